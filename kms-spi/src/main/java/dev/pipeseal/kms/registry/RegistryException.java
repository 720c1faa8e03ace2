package dev.pipeseal.kms.registry;

/**
 * A key registry operation failed (I/O, permissions, a full disk). Names the registry location and,
 * where known, the key id; never contains key bytes.
 */
public class RegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient KeyId id;

  public RegistryException(String location, KeyId id, String message, Throwable cause) {
    super("[registry " + location + (id == null ? "" : " id " + id) + "] " + message, cause);
    this.id = id;
  }

  /** The key id concerned, or null when the error is not about one record. */
  public KeyId id() {
    return id;
  }
}
