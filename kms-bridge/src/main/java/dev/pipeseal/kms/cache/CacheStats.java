package dev.pipeseal.kms.cache;

/**
 * Counters of a {@link KeyCache} since it was created.
 *
 * @param hits lookups answered from the cache (including joining an in-flight load)
 * @param misses lookups that started a load
 * @param evictions keys destroyed to stay within the size bound
 * @param expirations keys destroyed because their time to live passed
 * @param size keys held now
 */
public record CacheStats(long hits, long misses, long evictions, long expirations, int size) {
  public static final CacheStats EMPTY = new CacheStats(0, 0, 0, 0, 0);
}
