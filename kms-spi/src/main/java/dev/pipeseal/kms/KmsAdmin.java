package dev.pipeseal.kms;

import java.util.List;
import java.util.Optional;

/**
 * Key management operations a provider may support (the admin CLI and tests use them; data paths
 * never do). Providers that cannot manage keys simply do not implement it.
 */
public interface KmsAdmin {
  /** Creates a master key with its first version; fails if it already exists. */
  MasterKeyInfo createKey(String masterKeyName);

  /** Makes a new current version of {@code masterKeyName}; old versions stay usable to unwrap. */
  MasterKeyInfo rotateKey(String masterKeyName);

  /** Every master key this provider can see, sorted by name. */
  List<MasterKeyInfo> listKeys();

  /**
   * Provider-specific administration beyond master keys (for example {@link RecipientAdmin}),
   * looked up by interface so that admin tools compile against this SPI only and never import a
   * provider class. Empty when this provider does not offer {@code type}.
   */
  default <T> Optional<T> capability(Class<T> type) {
    return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
  }
}
