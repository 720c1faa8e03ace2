package dev.pipeseal.envelope;

/**
 * A value could not be decrypted. Says where the value lives (column, topic and field) and which
 * master key its reference names, when that much could be read; the cause keeps the precise type
 * (tampered: {@code AuthenticationFailedException}; unknown key: {@code UnknownKeyException}; KMS
 * down: {@code KmsUnavailableException}; ...). Never contains key bytes or plaintext.
 */
public final class UndecryptableValueException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String where;
  private final String keyName;

  public UndecryptableValueException(String where, String keyName, RuntimeException cause) {
    super(
        "cannot decrypt value in "
            + where
            + (keyName == null ? "" : " under master key '" + keyName + "'")
            + ": "
            + cause.getMessage(),
        cause);
    this.where = where;
    this.keyName = keyName;
  }

  /** Column, topic/field or other context description of the value. */
  public String where() {
    return where;
  }

  /** The master key name, or null if the key reference itself could not be read. */
  public String keyName() {
    return keyName;
  }
}
