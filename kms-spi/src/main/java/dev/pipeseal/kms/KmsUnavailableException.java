package dev.pipeseal.kms;

/**
 * The provider could not be reached or timed out; transient, so the resilient decorator retries it.
 */
public final class KmsUnavailableException extends KmsException {
  private static final long serialVersionUID = 1L;

  public KmsUnavailableException(String provider, String keyName, String message) {
    super(provider, keyName, message);
  }

  public KmsUnavailableException(String provider, String keyName, String message, Throwable cause) {
    super(provider, keyName, message, cause);
  }
}
