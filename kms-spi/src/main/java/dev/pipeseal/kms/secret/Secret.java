package dev.pipeseal.kms.secret;

import java.util.Arrays;

/**
 * A resolved secret (password, PIN). {@link #toString} never shows it, so a secret that reaches a
 * log line or an exception message by mistake stays hidden; {@link #close} zeroes it.
 */
public final class Secret implements AutoCloseable {
  private final char[] value;
  private boolean destroyed;

  /** Takes ownership of {@code value}: the caller must not keep or zero it. */
  public Secret(char[] value) {
    this.value = value;
  }

  /** A copy of the secret; the caller zeroes it when done. */
  public synchronized char[] chars() {
    if (destroyed) {
      throw new IllegalStateException("secret already destroyed");
    }
    return value.clone();
  }

  /** The secret as a string, for APIs that take nothing else (a string cannot be zeroed). */
  public synchronized String asString() {
    if (destroyed) {
      throw new IllegalStateException("secret already destroyed");
    }
    return new String(value);
  }

  /** Zeroes the secret. */
  @Override
  public synchronized void close() {
    Arrays.fill(value, '\0');
    destroyed = true;
  }

  @Override
  public String toString() {
    return "Secret[hidden]";
  }
}
