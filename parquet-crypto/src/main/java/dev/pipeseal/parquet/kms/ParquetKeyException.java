package dev.pipeseal.parquet.kms;

import org.apache.parquet.crypto.KeyAccessDeniedException;

/**
 * A Parquet key could not be wrapped or unwrapped under a master key: unknown key, access denied,
 * KMS unavailable, or a wrapped key that is malformed or fails authentication. It extends Parquet's
 * {@link KeyAccessDeniedException} because Parquet then adds the column path to the error. Messages
 * name the master key, never key bytes.
 */
public final class ParquetKeyException extends KeyAccessDeniedException {
  private static final long serialVersionUID = 1L;

  private final String masterKey;

  public ParquetKeyException(String masterKey, String message, Throwable cause) {
    super("master key '" + masterKey + "': " + message, cause);
    this.masterKey = masterKey;
  }

  public ParquetKeyException(String masterKey, String message) {
    this(masterKey, message, null);
  }

  /** The master key identifier Parquet asked for. */
  public String masterKey() {
    return masterKey;
  }
}
