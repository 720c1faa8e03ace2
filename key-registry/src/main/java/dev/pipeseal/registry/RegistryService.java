package dev.pipeseal.registry;

import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.KeyRegistryService;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import java.util.Map;

/**
 * The {@link KeyRegistryService} of this module: opens registries as {@link KeyRegistries#open}
 * does, for connectors that find the registry module only at run time (the Kafka serdes).
 */
public final class RegistryService implements KeyRegistryService {
  @Override
  public KeyRegistry open(String location, Map<String, String> options) {
    return KeyRegistries.open(location, options);
  }

  @Override
  public SubjectKeyRegistry openSubjects(String location, Map<String, String> options) {
    return KeyRegistries.openSubjects(location, options);
  }
}
