package dev.pipeseal.kms;

/**
 * The provider refused the operation for this principal and key (e.g. a Hadoop KMS ACL). Not
 * retried.
 */
public final class AccessDeniedException extends KmsException {
  private static final long serialVersionUID = 1L;

  public AccessDeniedException(String provider, String keyName, String message) {
    super(provider, keyName, message);
  }

  public AccessDeniedException(String provider, String keyName, String message, Throwable cause) {
    super(provider, keyName, message, cause);
  }
}
