package dev.pipeseal.envelope;

/**
 * A writer has no data key it may use: the current one reached its limits (or there never was one)
 * and the KMS did not deliver the next in time. Nothing was encrypted and nothing should be sent in
 * the clear. Names the master key; never contains key bytes or plaintext.
 */
public final class DataKeyUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String keyName;

  public DataKeyUnavailableException(String keyName, String reason, Throwable cause) {
    super(
        "no usable data key for master key '"
            + keyName
            + "': "
            + reason
            + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()),
        cause);
    this.keyName = keyName;
  }

  public String keyName() {
    return keyName;
  }
}
