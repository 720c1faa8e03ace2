package dev.pipeseal.kms.rest;

import dev.pipeseal.kms.secret.SecretSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A bearer token (OAuth access token, Vault client token) and when to replace it. {@link
 * #toString()} never shows the value.
 *
 * @param value the token itself
 * @param expiresAt when the service stops accepting it, or null if it does not expire for us
 * @param refreshAt when to fetch (or renew) the next one, before {@code expiresAt}
 * @param renewable whether the service can extend it in place (Vault {@code renew-self})
 */
public record AccessToken(String value, Instant expiresAt, Instant refreshAt, boolean renewable) {
  private static final Duration MAX_EARLY = Duration.ofMinutes(5);

  public AccessToken {
    Objects.requireNonNull(value, "value");
    if (value.isEmpty()) {
      throw new IllegalArgumentException("empty token");
    }
  }

  /** A token that never needs refreshing (a configured static token). */
  public static AccessToken permanent(String value) {
    return new AccessToken(value, null, null, false);
  }

  /**
   * A configured static token, resolved from its reference at every fetch: a sidecar may have
   * replaced the file or variable since the service last refused the token.
   *
   * @param setting the setting that holds the reference, for error messages
   */
  public static AccessToken fromReference(
      SecretSource secrets, String reference, String provider, String setting) {
    char[] token = secrets.resolve(reference, provider, setting);
    try {
      return permanent(new String(token));
    } finally {
      Arrays.fill(token, '\0');
    }
  }

  /**
   * A token valid for {@code lifetime} from {@code now}, refreshed a third of its lifetime (at most
   * five minutes) before it expires, so a slow refresh never leaves callers without one.
   */
  public static AccessToken expiringIn(
      String value, Duration lifetime, Instant now, boolean renewable) {
    Duration early = lifetime.dividedBy(3);
    if (early.compareTo(MAX_EARLY) > 0) {
      early = MAX_EARLY;
    }
    Instant expires = now.plus(lifetime);
    return new AccessToken(value, expires, expires.minus(early), renewable);
  }

  /** True until {@code expiresAt}. */
  public boolean usableAt(Instant now) {
    return expiresAt == null || now.isBefore(expiresAt);
  }

  /** True once {@code refreshAt} has passed. */
  public boolean dueAt(Instant now) {
    return refreshAt != null && !now.isBefore(refreshAt);
  }

  @Override
  public String toString() {
    return "AccessToken[expiresAt=" + expiresAt + ", renewable=" + renewable + "]";
  }
}
