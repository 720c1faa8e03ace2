package dev.pipeseal.registry;

import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/** Opens key registries. */
public final class KeyRegistries {
  private static final String HADOOP_STORE = "dev.pipeseal.registry.HadoopFileSystemStore";

  private KeyRegistries() {}

  /** Opens the registry a location and options describe; see {@link RegistryConfig#parse}. */
  public static KeyRegistry open(String location, Map<String, String> options) {
    return open(RegistryConfig.parse(location, options));
  }

  /** Opens a registry on a local directory with default options. */
  public static KeyRegistry open(Path directory) {
    return open(RegistryConfig.parse(directory.toString(), Map.of()));
  }

  /** Opens the registry {@code config} describes. */
  public static KeyRegistry open(RegistryConfig config) {
    return new FileKeyRegistry(store(config), config.cacheSize());
  }

  /**
   * Opens the subject key area (crypto-shredding) of the registry {@code config} describes: the
   * same location, its {@code subjects/} directory.
   */
  public static SubjectKeyRegistry openSubjects(RegistryConfig config) {
    return new SegmentSubjectRegistry(
        store(config),
        config.subjectCacheSize(),
        config.subjectCacheTtl(),
        SegmentSubjectRegistry.Steps.NONE);
  }

  /**
   * As {@link #openSubjects(String, Map)}, calling {@code afterStep} after each step of a shred or
   * compaction ({@code "published"}: the bucket's new file is published; {@code "deleted"}: one of
   * the files it replaces is deleted). The jobs route it to their fault-injection points, so a
   * killed shred can be tested at each step.
   */
  public static SubjectKeyRegistry openSubjects(
      String location, Map<String, String> options, Consumer<String> afterStep) {
    RegistryConfig config = RegistryConfig.parse(location, options);
    return new SegmentSubjectRegistry(
        store(config), config.subjectCacheSize(), config.subjectCacheTtl(), afterStep::accept);
  }

  /** Opens the subject key area of the registry at a location with options. */
  public static SubjectKeyRegistry openSubjects(String location, Map<String, String> options) {
    return openSubjects(RegistryConfig.parse(location, options));
  }

  private static RegistryStore store(RegistryConfig config) {
    return switch (config.store()) {
      case LOCAL -> new LocalDirectoryStore(Path.of(config.location()));
      case HADOOP -> hadoopStore(config.location());
      case KAFKA -> providedStore(config);
      case AUTO -> throw new IllegalStateException("AUTO is resolved by RegistryConfig");
    };
  }

  // Stores in other modules (the Kafka topic store) are found by scheme, so this module never
  // depends on their clients.
  private static RegistryStore providedStore(RegistryConfig config) {
    String scheme = config.location().getScheme();
    for (RegistryStoreProvider p :
        ServiceLoader.load(RegistryStoreProvider.class, KeyRegistries.class.getClassLoader())) {
      if (p.scheme().equals(scheme)) {
        try {
          return p.open(config);
        } catch (LinkageError e) {
          throw new RegistryException(
              config.location().toString(),
              null,
              "a registry on '"
                  + scheme
                  + ":' needs the store's client library on the classpath"
                  + " (kafka-clients for kafka:)",
              e);
        }
      }
    }
    throw new RegistryException(
        config.location().toString(),
        null,
        "a registry on '"
            + scheme
            + ":' needs pipeseal-key-registry-"
            + scheme
            + " (and its client library) on the classpath",
        null);
  }

  // Reflection keeps Hadoop classes out of this class's constant pool, so a local registry works
  // without Hadoop on the classpath.
  private static RegistryStore hadoopStore(URI location) {
    try {
      return (RegistryStore)
          Class.forName(HADOOP_STORE).getDeclaredConstructor(URI.class).newInstance(location);
    } catch (InvocationTargetException e) {
      throw new RegistryException(
          location.toString(), null, "cannot open Hadoop file system", e.getCause());
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new RegistryException(
          location.toString(),
          null,
          "a registry on '"
              + location.getScheme()
              + ":' needs the Hadoop client (hadoop-client-api and hadoop-client-runtime)"
              + " on the classpath",
          e);
    }
  }
}
