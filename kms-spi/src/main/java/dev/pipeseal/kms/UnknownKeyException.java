package dev.pipeseal.kms;

/**
 * The master key (or the version a wrapped key names) does not exist in the provider. Not retried.
 */
public class UnknownKeyException extends KmsException {
  private static final long serialVersionUID = 1L;

  public UnknownKeyException(String provider, String keyName, String message) {
    super(provider, keyName, message);
  }

  public UnknownKeyException(String provider, String keyName, String message, Throwable cause) {
    super(provider, keyName, message, cause);
  }
}
