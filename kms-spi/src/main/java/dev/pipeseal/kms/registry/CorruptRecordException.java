package dev.pipeseal.kms.registry;

/**
 * A record file exists but cannot be parsed, or its content contradicts its name. The registry
 * fails closed: it does not fall back to an older generation silently.
 */
public final class CorruptRecordException extends RegistryException {
  private static final long serialVersionUID = 1L;

  /** {@code generation} is negative when the error summarizes several records. */
  public CorruptRecordException(
      String location, KeyId id, long generation, String message, Throwable cause) {
    super(
        location,
        id,
        generation < 0 ? message : "record generation " + generation + " is corrupt: " + message,
        cause);
  }
}
