package dev.pipeseal.kms.cache;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.crypto.key.KeyDestroyedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A bounded, expiring cache of unwrapped keys with one load in flight per key.
 *
 * <p>The cache owns one reference to each key it holds and closes it on eviction, expiry or {@link
 * #close()}, which zeroes the key once callers have closed theirs. Every successful {@link #get}
 * hands out a separately {@linkplain DataKey#retain() retained} reference that the caller must
 * close. Failed loads are not cached.
 *
 * @param <K> lookup key; must have value equality
 */
public final class KeyCache<K> implements AutoCloseable {
  /** Why the cache dropped a key: {@code evicted}, {@code expired} or {@code closed}. */
  public interface RemovalListener<K> {
    void removed(K key, String reason);
  }

  // A key can be destroyed between load and retain when it is evicted at once; retry a few times.
  private static final int MAX_ACQUIRE_ATTEMPTS = 8;

  private final int maxEntries;
  private final long ttlNanos;
  private final LongSupplier nanoTime;
  private final RemovalListener<? super K> listener;
  private final LinkedHashMap<K, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long hits;
  private long misses;
  private long evictions;
  private long expirations;
  private boolean closed;

  private static final class Entry {
    final CompletableFuture<DataKey> loaded = new CompletableFuture<>();
    final long expiresAt;

    Entry(long expiresAt) {
      this.expiresAt = expiresAt;
    }
  }

  private record Removal<K>(K key, Entry entry, String reason) {}

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
    return get(key, loader, 1);
  }

  private CompletableFuture<DataKey> get(
      K key, Function<? super K, ? extends CompletionStage<DataKey>> loader, int attempt) {
    Entry entry;
    boolean load = false;
    List<Removal<K>> removed = new ArrayList<>(2);
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("key cache is closed"));
      }
      long now = nanoTime.getAsLong();
      entry = entries.get(key);
      if (entry != null && now - entry.expiresAt >= 0) {
        entries.remove(key);
        expirations++;
        removed.add(new Removal<>(key, entry, "expired"));
        entry = null;
      }
      if (entry == null) {
        entry = new Entry(now + ttlNanos);
        entries.put(key, entry);
        misses++;
        load = true;
        Iterator<Map.Entry<K, Entry>> eldest = entries.entrySet().iterator();
        while (entries.size() > maxEntries) {
          Map.Entry<K, Entry> e = eldest.next();
          eldest.remove();
          evictions++;
          removed.add(new Removal<>(e.getKey(), e.getValue(), "evicted"));
        }
      } else {
        hits++;
      }
    }
    release(removed);
    if (load) {
      load(key, entry, loader);
    }
    return entry.loaded.thenCompose(k -> acquire(k, key, loader, attempt));
  }

  private void load(
      K key, Entry entry, Function<? super K, ? extends CompletionStage<DataKey>> loader) {
    CompletionStage<DataKey> stage;
    try {
      stage = loader.apply(key);
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    stage.whenComplete(
        (value, error) -> {
          if (error != null) {
            synchronized (this) {
              entries.remove(key, entry);
            }
            entry.loaded.completeExceptionally(error);
          } else {
            entry.loaded.complete(value);
          }
        });
  }

  private CompletableFuture<DataKey> acquire(
      DataKey loaded,
      K key,
      Function<? super K, ? extends CompletionStage<DataKey>> loader,
      int attempt) {
    try {
      return CompletableFuture.completedFuture(loaded.retain());
    } catch (KeyDestroyedException e) {
      if (attempt >= MAX_ACQUIRE_ATTEMPTS) {
        return CompletableFuture.failedFuture(e);
      }
      return get(key, loader, attempt + 1);
    }
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
          removed.add(new Removal<>(e.getKey(), e.getValue(), "expired"));
        }
      }
    }
    release(removed);
  }

  public synchronized CacheStats stats() {
    return new CacheStats(hits, misses, evictions, expirations, entries.size());
  }

  /** Destroys every cached key; later lookups fail. */
  @Override
  public void close() {
    List<Removal<K>> removed = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Map.Entry<K, Entry> e : entries.entrySet()) {
        removed.add(new Removal<>(e.getKey(), e.getValue(), "closed"));
      }
      entries.clear();
    }
    release(removed);
  }

  // Drops the cache's reference once the load is done (at once if it already is).
  private void release(List<Removal<K>> removed) {
    for (Removal<K> r : removed) {
      r.entry()
          .loaded
          .thenAccept(
              key -> {
                key.close();
                listener.removed(r.key(), r.reason());
              });
    }
  }
}
