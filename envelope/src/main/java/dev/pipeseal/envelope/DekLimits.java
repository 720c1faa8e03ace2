package dev.pipeseal.envelope;

import java.time.Duration;
import java.util.Objects;

/**
 * When a writer replaces its data key, and how long it may wait for one.
 *
 * @param maxValues values sealed under one DEK before it is replaced
 * @param maxAge how long one DEK seals new values
 * @param prefetchAt fraction of either limit at which the next DEK is fetched in the background, so
 *     that the switch does not wait on the KMS (0 &lt; prefetchAt &le; 1)
 * @param maxWait how long an encryption may block when no usable DEK is at hand (at start, or when
 *     the KMS did not deliver the next one in time) before it fails
 */
public record DekLimits(long maxValues, Duration maxAge, double prefetchAt, Duration maxWait) {
  /** One million values or one hour per DEK, prefetch at 80 %, wait at most 10 s. */
  public static final DekLimits DEFAULTS =
      new DekLimits(1_000_000, Duration.ofHours(1), 0.8, Duration.ofSeconds(10));

  public DekLimits {
    Objects.requireNonNull(maxAge, "maxAge");
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxValues < 1) {
      throw new IllegalArgumentException("maxValues must be >= 1: " + maxValues);
    }
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("maxAge must be positive: " + maxAge);
    }
    if (!(prefetchAt > 0 && prefetchAt <= 1)) {
      throw new IllegalArgumentException("prefetchAt must be in (0, 1]: " + prefetchAt);
    }
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must not be negative: " + maxWait);
    }
  }
}
