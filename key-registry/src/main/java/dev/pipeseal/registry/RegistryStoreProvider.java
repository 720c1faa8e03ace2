package dev.pipeseal.registry;

/**
 * A {@link RegistryStore} kept in another module, found by {@code ServiceLoader} ({@code
 * META-INF/services/dev.pipeseal.registry.RegistryStoreProvider}) for its URI scheme, so that this
 * module does not depend on the store's client library (the Kafka topic store needs kafka-clients,
 * which a file-system registry user must not get).
 */
public interface RegistryStoreProvider {
  /** The location scheme served, e.g. {@code kafka}. */
  String scheme();

  /**
   * Opens the store at {@code config.location()}, reading its own settings from {@code
   * config.options()}.
   *
   * @throws dev.pipeseal.kms.registry.RegistryException naming the location when it cannot be
   *     opened
   * @throws IllegalArgumentException on an invalid setting
   */
  RegistryStore open(RegistryConfig config);
}
