package dev.pipeseal.registry.kafka;

import dev.pipeseal.registry.RegistryConfig;
import dev.pipeseal.registry.RegistryStore;
import dev.pipeseal.registry.RegistryStoreProvider;

/** Serves {@code kafka:TOPIC} registry locations with a {@link TopicRegistryStore}. */
public final class TopicStoreProvider implements RegistryStoreProvider {
  /** The store's settings, for {@code docs/settings.md}. */
  public static final dev.pipeseal.kms.settings.PropertySet PROPERTIES =
      TopicStoreConfig.PROPERTIES;

  @Override
  public String scheme() {
    return RegistryConfig.KAFKA_SCHEME;
  }

  @Override
  public RegistryStore open(RegistryConfig config) {
    return new TopicRegistryStore(TopicStoreConfig.parse(config));
  }
}
