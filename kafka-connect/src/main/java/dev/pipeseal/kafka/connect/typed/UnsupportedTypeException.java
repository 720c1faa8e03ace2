package dev.pipeseal.kafka.connect.typed;

/**
 * A value's type has no typed-value encoding, or an encoded value does not match the type asked
 * for. The message names types and tags only, never the value.
 */
public final class UnsupportedTypeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public UnsupportedTypeException(String message) {
    super(message);
  }
}
