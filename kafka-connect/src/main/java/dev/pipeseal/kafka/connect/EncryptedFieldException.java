package dev.pipeseal.kafka.connect;

import org.apache.kafka.connect.errors.DataException;

/**
 * A field, key or value could not be encrypted or decrypted by a transformation. The message names
 * the topic, the field (JSON pointer) and, when known, the master key; it never contains the value
 * or key material. Connect's {@code errors.tolerance} and dead-letter-queue settings apply to it as
 * to any transformation failure.
 */
public final class EncryptedFieldException extends DataException {
  private static final long serialVersionUID = 1L;

  public EncryptedFieldException(String message, Throwable cause) {
    super(message, cause);
  }

  public EncryptedFieldException(String message) {
    super(message);
  }
}
