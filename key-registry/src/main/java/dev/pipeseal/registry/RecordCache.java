package dev.pipeseal.registry;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The registry's one read cache mechanism: a bounded LRU map with an optional time to live. It
 * holds records (wrapped keys, never key material). Record generations use it without a TTL (an
 * older generation still unwraps); subject entries with one, so a shred made by another process is
 * seen within the TTL. Thread-safe; a size of 0 disables it.
 */
final class RecordCache<K, V> {
  private final int maxEntries;
  private final long ttlNanos;
  private final LongSupplier nanoTime;
  private final LinkedHashMap<K, Entry<V>> map;

  private record Entry<V>(V value, long expiresAt) {}

  /**
   * @param ttlNanos time to live in nanoseconds, or 0 for none
   */
  RecordCache(int maxEntries, long ttlNanos, LongSupplier nanoTime) {
    this.maxEntries = maxEntries;
    this.ttlNanos = ttlNanos;
    this.nanoTime = nanoTime;
    this.map =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<K, Entry<V>> eldest) {
            return size() > RecordCache.this.maxEntries;
          }
        };
  }

  int capacity() {
    return maxEntries;
  }

  boolean enabled() {
    return maxEntries > 0;
  }

  /** The cached value, or null if absent or expired. */
  V get(K key) {
    if (maxEntries == 0) {
      return null;
    }
    synchronized (map) {
      Entry<V> e = map.get(key);
      if (e == null) {
        return null;
      }
      if (ttlNanos > 0 && nanoTime.getAsLong() - e.expiresAt > 0) {
        map.remove(key);
        return null;
      }
      return e.value;
    }
  }

  void put(K key, V value) {
    if (maxEntries > 0) {
      synchronized (map) {
        map.put(key, new Entry<>(value, nanoTime.getAsLong() + ttlNanos));
      }
    }
  }

  /** Puts {@code value} unless {@code keep} says the cached one should stay. */
  void putUnless(K key, V value, java.util.function.BiPredicate<V, V> keep) {
    if (maxEntries > 0) {
      synchronized (map) {
        Entry<V> old = map.get(key);
        if (old == null || !keep.test(old.value, value)) {
          map.put(key, new Entry<>(value, nanoTime.getAsLong() + ttlNanos));
        }
      }
    }
  }

  void remove(K key) {
    if (maxEntries > 0) {
      synchronized (map) {
        map.remove(key);
      }
    }
  }
}
