package dev.pipeseal.kms.registry;

/**
 * A replacement lost a race: another writer published the generation first, or the record is no
 * longer at the expected generation. Re-read and retry if still needed.
 */
public final class RegistryConflictException extends RegistryException {
  private static final long serialVersionUID = 1L;

  public RegistryConflictException(String location, KeyId id, String message) {
    super(location, id, message, null);
  }
}
