package dev.pipeseal.kms.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * How hard {@link ResilientKms} tries.
 *
 * @param timeout limit of one attempt; a late answer is discarded (and its key destroyed)
 * @param retries attempts after the first, only for transient failures
 * @param initialBackoff cap of the first retry delay; doubles per retry (full jitter below it)
 * @param maxBackoff cap of any retry delay
 */
public record ResilienceConfig(
    Duration timeout, int retries, Duration initialBackoff, Duration maxBackoff) {
  public static final ResilienceConfig DEFAULTS =
      new ResilienceConfig(
          Duration.ofSeconds(10), 3, Duration.ofMillis(100), Duration.ofSeconds(5));

  public ResilienceConfig {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    if (retries < 0 || retries > 20) {
      throw new IllegalArgumentException("retries must be 0..20: " + retries);
    }
    if (initialBackoff.isNegative() || initialBackoff.isZero()) {
      throw new IllegalArgumentException("initial backoff must be positive: " + initialBackoff);
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "max backoff " + maxBackoff + " is below initial backoff " + initialBackoff);
    }
  }

  /** Total attempts, first one included. */
  public int maxAttempts() {
    return retries + 1;
  }
}
