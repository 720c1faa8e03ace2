package dev.pipeseal.kms.hierarchy;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of the KEK layer.
 *
 * @param maxDeksPerKek DEKs wrapped under one KEK before a new KEK is made. KEKs wrap with random
 *     96-bit GCM nonces, so this must stay far below 2^32; the default keeps the nonce collision
 *     probability under 2^-48
 * @param lifetime how long one KEK wraps new DEKs, and how long an unwrapped KEK or a KEK rewrap
 *     result is cached. After a master key rotation, new DEKs move to the new version within this
 *     time. A reused KEK rewrap result can lag a second rotation by as long; the keys stay readable
 *     and the next rewrap pass catches up
 * @param cacheMaxEntries unwrapped KEKs (and KEK rewrap results) held at once
 */
public record KekConfig(long maxDeksPerKek, Duration lifetime, int cacheMaxEntries) {
  public static final long MAX_DEKS_LIMIT = 1L << 24;

  public static final KekConfig DEFAULTS =
      new KekConfig(MAX_DEKS_LIMIT, Duration.ofMinutes(10), 1_000);

  public KekConfig {
    Objects.requireNonNull(lifetime, "lifetime");
    if (maxDeksPerKek < 1 || maxDeksPerKek > MAX_DEKS_LIMIT) {
      throw new IllegalArgumentException(
          "max DEKs per KEK must be 1.." + MAX_DEKS_LIMIT + ": " + maxDeksPerKek);
    }
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new IllegalArgumentException("KEK lifetime must be positive: " + lifetime);
    }
    if (cacheMaxEntries < 1) {
      throw new IllegalArgumentException("KEK cache max entries must be positive");
    }
  }
}
