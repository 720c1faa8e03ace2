package dev.pipeseal.kms.cache;

import dev.pipeseal.crypto.key.DataKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A bounded, expiring cache of unwrapped keys with one load in flight per key.
 *
 * <p>The cache owns one reference to each key it holds and closes it on eviction, expiry or {@link
 * #close()}, which zeroes the key once callers have closed theirs. Every successful {@link #get}
 * hands out a separately {@linkplain DataKey#retain() retained} reference that the caller must
 * close. References are taken under the cache's lock while the entry is still cached, so a caller
 * never receives a key that an eviction destroyed. Failed loads are not cached.
 *
 * @param <K> lookup key; must have value equality
 */
public final class KeyCache<K> implements AutoCloseable {
  /**
   * Why the cache dropped a key: {@code evicted}, {@code expired}, {@code invalidated} or {@code
   * closed}.
   */
  public interface RemovalListener<K> {
    void removed(K key, String reason);
  }

  private final int maxEntries;
  private final long ttlNanos;
  private final LongSupplier nanoTime;
  private final RemovalListener<? super K> listener;
  // Guarded by this.
  private final LinkedHashMap<K, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long hits;
  private long misses;
  private long evictions;
  private long expirations;
  private boolean closed;

  /** Guarded by the cache's lock. */
  private static final class Entry {
    final long expiresAt;
    DataKey value; // the cache's reference, once loaded
    List<CompletableFuture<DataKey>> waiters = new ArrayList<>(1); // null once loaded
    String removedWhileLoading;

    Entry(long expiresAt) {
      this.expiresAt = expiresAt;
    }
  }

  private record Removal<K>(K key, DataKey value, String reason) {}

  public KeyCache(
      int maxEntries, Duration ttl, LongSupplier nanoTime, RemovalListener<? super K> listener) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be positive: " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.listener = listener == null ? (k, r) -> {} : listener;
  }

  /**
   * Returns a retained reference to the key for {@code key}, loading it with {@code loader} when
   * absent or expired. Concurrent lookups of the same key share one load.
   */
  public CompletableFuture<DataKey> get(
      K key, Function<? super K, ? extends CompletionStage<DataKey>> loader) {
    CompletableFuture<DataKey> result = new CompletableFuture<>();
    Entry toLoad = null;
    List<Removal<K>> removed = new ArrayList<>(2);
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("key cache is closed"));
      }
      long now = nanoTime.getAsLong();
      Entry entry = entries.get(key);
      if (entry != null && now - entry.expiresAt >= 0) {
        entries.remove(key);
        expirations++;
        removed.add(removal(key, entry, "expired"));
        entry = null;
      }
      if (entry != null && entry.value != null) {
        hits++;
        return CompletableFuture.completedFuture(entry.value.retain());
      }
      if (entry != null) {
        hits++;
        entry.waiters.add(result);
        return result;
      }
      entry = new Entry(now + ttlNanos);
      entry.waiters.add(result);
      entries.put(key, entry);
      misses++;
      toLoad = entry;
      Iterator<Map.Entry<K, Entry>> eldest = entries.entrySet().iterator();
      while (entries.size() > maxEntries) {
        Map.Entry<K, Entry> e = eldest.next();
        eldest.remove();
        evictions++;
        removed.add(removal(e.getKey(), e.getValue(), "evicted"));
      }
    }
    release(removed);
    load(key, toLoad, loader);
    return result;
  }

  private void load(
      K key, Entry entry, Function<? super K, ? extends CompletionStage<DataKey>> loader) {
    CompletionStage<DataKey> stage;
    try {
      stage = loader.apply(key);
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    stage.whenComplete((value, error) -> loaded(key, entry, value, error));
  }

  private void loaded(K key, Entry entry, DataKey value, Throwable error) {
    List<CompletableFuture<DataKey>> waiters;
    List<DataKey> references = new ArrayList<>();
    String dropReason = null;
    synchronized (this) {
      waiters = entry.waiters;
      entry.waiters = null;
      boolean cached = entries.get(key) == entry;
      if (error != null) {
        if (cached) {
          entries.remove(key);
        }
      } else {
        for (int i = 0; i < waiters.size(); i++) {
          references.add(value.retain());
        }
        if (cached) {
          entry.value = value;
        } else {
          dropReason = entry.removedWhileLoading;
        }
      }
    }
    if (error != null) {
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      waiters.forEach(w -> w.completeExceptionally(cause));
      return;
    }
    for (int i = 0; i < waiters.size(); i++) {
      waiters.get(i).complete(references.get(i));
    }
    if (dropReason != null) {
      value.close();
      listener.removed(key, dropReason);
    }
  }

  /**
   * Drops {@code key} if the cache still holds {@code value} (the object a {@link #get} returned),
   * so that the next lookup loads it again; a newer load of the same key is left alone. For a layer
   * that finds out only after the fact that a loaded key is wrong (reason {@code invalidated}).
   */
  public void invalidate(K key, DataKey value) {
    List<Removal<K>> removed = new ArrayList<>(1);
    synchronized (this) {
      Entry entry = entries.get(key);
      if (entry == null || entry.value == null || entry.value != value) {
        return;
      }
      entries.remove(key);
      removed.add(removal(key, entry, "invalidated"));
    }
    release(removed);
  }

  /** Destroys expired keys now; lookups also expire lazily, this bounds idle keys' lifetime. */
  public void cleanUp() {
    List<Removal<K>> removed = new ArrayList<>();
    synchronized (this) {
      long now = nanoTime.getAsLong();
      Iterator<Map.Entry<K, Entry>> it = entries.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<K, Entry> e = it.next();
        if (now - e.getValue().expiresAt >= 0) {
          it.remove();
          expirations++;
          removed.add(removal(e.getKey(), e.getValue(), "expired"));
        }
      }
    }
    release(removed);
  }

  public synchronized CacheStats stats() {
    return new CacheStats(hits, misses, evictions, expirations, entries.size());
  }

  /** Destroys every cached key (loads in flight are destroyed when they finish). */
  @Override
  public void close() {
    List<Removal<K>> removed = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Map.Entry<K, Entry> e : entries.entrySet()) {
        removed.add(removal(e.getKey(), e.getValue(), "closed"));
      }
      entries.clear();
    }
    release(removed);
  }

  // Called under the lock with an entry just unmapped; a loading entry is dropped by loaded().
  private Removal<K> removal(K key, Entry entry, String reason) {
    if (entry.value == null) {
      entry.removedWhileLoading = reason;
    }
    return new Removal<>(key, entry.value, reason);
  }

  // Outside the lock: the entries are unmapped, so nobody can take a new reference to them.
  private void release(List<Removal<K>> removed) {
    for (Removal<K> r : removed) {
      if (r.value() != null) {
        r.value().close();
        listener.removed(r.key(), r.reason());
      }
    }
  }
}
