package dev.pipeseal.kms;

/**
 * Base of every KMS bridge error. Always names the provider and, where known, the master key; never
 * contains key bytes.
 */
public class KmsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String provider;
  private final String keyName;

  public KmsException(String provider, String keyName, String message) {
    this(provider, keyName, message, null);
  }

  public KmsException(String provider, String keyName, String message, Throwable cause) {
    super(describe(provider, keyName, message), cause);
    this.provider = provider;
    this.keyName = keyName;
  }

  /** Provider id, e.g. {@code hadoop-kms}. */
  public String provider() {
    return provider;
  }

  /** Master key name, or null when the error is not about one key. */
  public String keyName() {
    return keyName;
  }

  private static String describe(String provider, String keyName, String message) {
    return "[" + provider + (keyName == null ? "" : " key '" + keyName + "'") + "] " + message;
  }
}
