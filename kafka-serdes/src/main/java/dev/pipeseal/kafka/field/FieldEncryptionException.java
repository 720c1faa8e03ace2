package dev.pipeseal.kafka.field;

/**
 * A field could not be encrypted or decrypted, or a field that must be encrypted is not. The
 * message names the topic and field, never their values.
 */
public final class FieldEncryptionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FieldEncryptionException(String message) {
    super(message);
  }

  public FieldEncryptionException(String message, Throwable cause) {
    super(message, cause);
  }
}
