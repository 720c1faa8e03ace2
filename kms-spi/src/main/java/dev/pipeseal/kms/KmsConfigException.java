package dev.pipeseal.kms;

/** Provider configuration is invalid (bad URI, missing key store, wrong password). Not retried. */
public class KmsConfigException extends KmsException {
  private static final long serialVersionUID = 1L;

  public KmsConfigException(String provider, String keyName, String message) {
    super(provider, keyName, message);
  }

  public KmsConfigException(String provider, String keyName, String message, Throwable cause) {
    super(provider, keyName, message, cause);
  }
}
