package dev.pipeseal.kms.pq;

import dev.pipeseal.kms.KmsException;

/**
 * A hybrid wrapped key cannot be unwrapped here because no private key of any of its recipients is
 * held: the expected outcome on write-only producers, which hold public keys only. Not retried.
 */
public final class NoPrivateKeyException extends KmsException {
  private static final long serialVersionUID = 1L;

  private final String recipients;

  /**
   * @param keyName the master key name (recipient set) of the wrapped key
   * @param recipients the recipient key versions the wrapped key was made for, e.g. {@code
   *     data-team@2, break-glass@1}
   * @param why what this provider holds instead
   */
  public NoPrivateKeyException(String provider, String keyName, String recipients, String why) {
    super(provider, keyName, "no private key for recipient " + recipients + " (" + why + ")");
    this.recipients = recipients;
  }

  /** The recipient key versions of the wrapped key, e.g. {@code data-team@2}. */
  public String recipients() {
    return recipients;
  }
}
