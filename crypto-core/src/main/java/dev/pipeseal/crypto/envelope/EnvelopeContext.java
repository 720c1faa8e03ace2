package dev.pipeseal.crypto.envelope;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where a value lives (e.g. {@code db.table.column} or {@code topic/field}): its bytes are bound
 * into the associated data so a value moved elsewhere fails to decrypt, and its description names
 * the place in error messages. Immutable.
 */
public final class EnvelopeContext {
  private final byte[] bytes;
  private final String description;

  private EnvelopeContext(byte[] bytes, String description) {
    this.bytes = bytes;
    this.description = Objects.requireNonNull(description, "description");
  }

  /** Binds the UTF-8 bytes of {@code name}, which also serves as the description. */
  public static EnvelopeContext of(String name) {
    return new EnvelopeContext(name.getBytes(StandardCharsets.UTF_8), name);
  }

  /** Binds arbitrary {@code bytes} (copied); {@code description} is only used in messages. */
  public static EnvelopeContext of(byte[] bytes, String description) {
    return new EnvelopeContext(bytes.clone(), description);
  }

  /** A copy of the bound bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  public String description() {
    return description;
  }

  byte[] rawBytes() {
    return bytes;
  }

  /** Same bound bytes (the description does not take part in cryptography). */
  boolean sameBytes(EnvelopeContext other) {
    return other == this || Arrays.equals(other.bytes, bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EnvelopeContext other
        && Arrays.equals(other.bytes, bytes)
        && other.description.equals(description);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes) * 31 + description.hashCode();
  }

  @Override
  public String toString() {
    return "EnvelopeContext[" + description + "]";
  }
}
