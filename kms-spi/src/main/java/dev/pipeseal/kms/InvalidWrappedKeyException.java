package dev.pipeseal.kms;

/**
 * A wrapped key is corrupt, truncated, tampered with or of an unknown format version. Not retried.
 */
public final class InvalidWrappedKeyException extends KmsException {
  private static final long serialVersionUID = 1L;

  public InvalidWrappedKeyException(String provider, String keyName, String message) {
    super(provider, keyName, message);
  }

  public InvalidWrappedKeyException(
      String provider, String keyName, String message, Throwable cause) {
    super(provider, keyName, message, cause);
  }
}
