package dev.pipeseal.kms.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds of the unwrapped-key cache.
 *
 * @param maxEntries most unwrapped DEKs held at once; the least recently used is destroyed first
 * @param ttl how long a DEK stays in memory after it was unwrapped, used or not
 * @param describeTtl how long a master key description is reused; zero disables that cache. A
 *     rotation becomes visible to rewrap decisions after at most this long
 */
public record CacheConfig(int maxEntries, Duration ttl, Duration describeTtl) {
  public static final CacheConfig DEFAULTS =
      new CacheConfig(10_000, Duration.ofMinutes(10), Duration.ofSeconds(30));

  public CacheConfig {
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(describeTtl, "describeTtl");
    if (maxEntries < 1 || maxEntries > 10_000_000) {
      throw new IllegalArgumentException("max entries must be 1..10000000: " + maxEntries);
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive: " + ttl);
    }
    if (describeTtl.isNegative()) {
      throw new IllegalArgumentException("describe ttl must not be negative: " + describeTtl);
    }
  }
}
