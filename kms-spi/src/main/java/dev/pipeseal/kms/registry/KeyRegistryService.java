package dev.pipeseal.kms.registry;

import java.util.Iterator;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * ServiceLoader entry point ({@code
 * META-INF/services/dev.pipeseal.kms.registry.KeyRegistryService}) through which connectors that
 * must not depend on the registry module at compile time (the Kafka serdes, whose default runtime
 * classpath holds no registry code) open a registry by location. The registry module provides the
 * one implementation; users add it to the classpath only when they want registry key references.
 */
public interface KeyRegistryService {
  /**
   * Opens the registry at {@code location} with registry {@code options} (names without prefix).
   */
  KeyRegistry open(String location, Map<String, String> options);

  /**
   * Opens the subject key area (per-subject keys, crypto-shredding) of the registry at {@code
   * location}, with the same options.
   */
  SubjectKeyRegistry openSubjects(String location, Map<String, String> options);

  /**
   * Opens a registry through the first service found on {@code loader}'s classpath.
   *
   * @throws RegistryException naming the location when no registry module is on the classpath
   */
  static KeyRegistry load(String location, Map<String, String> options, ClassLoader loader) {
    return find(location, loader).open(location, options);
  }

  /**
   * Opens a registry's subject key area through the first service found on {@code loader}'s
   * classpath.
   *
   * @throws RegistryException naming the location when no registry module is on the classpath
   */
  static SubjectKeyRegistry loadSubjects(
      String location, Map<String, String> options, ClassLoader loader) {
    return find(location, loader).openSubjects(location, options);
  }

  private static KeyRegistryService find(String location, ClassLoader loader) {
    Iterator<KeyRegistryService> it =
        ServiceLoader.load(KeyRegistryService.class, loader).iterator();
    if (!it.hasNext()) {
      throw new RegistryException(
          location,
          null,
          "registry key references need the key registry module (pipeseal-key-registry) on the"
              + " classpath",
          null);
    }
    return it.next();
  }
}
