package dev.pipeseal.registry;

import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Settings;
import dev.pipeseal.kms.settings.SettingsException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How to open a registry; parsed only by {@link #parse}.
 *
 * @param location a directory URI ({@code file:}, {@code hdfs:}, {@code s3a:} ...) or a Kafka topic
 *     ({@code kafka:TOPIC})
 * @param store which store implementation serves it
 * @param cacheSize records kept in the in-memory read cache (0 disables it)
 * @param subjectCacheSize subjects whose key entries are kept in the in-memory read cache
 * @param subjectCacheTtl how long a cached subject entry is used; a shred made by another process
 *     is seen by readers after at most this long
 * @param options every option given, for stores with settings of their own (the topic store reads
 *     {@code registry.kafka.*})
 */
public record RegistryConfig(
    URI location,
    Store store,
    int cacheSize,
    int subjectCacheSize,
    Duration subjectCacheTtl,
    Map<String, String> options) {
  public static final int DEFAULT_CACHE_SIZE = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(RegistryConfig.class);

  /** Store implementations. */
  public enum Store {
    /**
     * {@code file:} locations (and plain paths) use {@link #LOCAL}, {@code kafka:} ones {@link
     * #KAFKA}, anything else {@link #HADOOP}.
     */
    AUTO,
    /** {@code java.nio} on a local directory; needs no Hadoop. */
    LOCAL,
    /** A Hadoop {@code FileSystem}; needs the Hadoop client on the classpath. */
    HADOOP,
    /**
     * A compacted Kafka topic ({@code kafka:TOPIC}); needs {@code pipeseal-key-registry-kafka} and
     * the Kafka client on the classpath.
     */
    KAFKA
  }

  /** URI scheme of registries on a Kafka topic. */
  public static final String KAFKA_SCHEME = "kafka";

  /** Relative prefix of the topic store's settings and Kafka client properties. */
  public static final String KAFKA_PREFIX = "registry.kafka.";

  public static final Property<Store> STORE =
      Property.choice(
          "registry.store",
          Store.class,
          Store.AUTO,
          "Registry store: auto (file: locations use local, kafka: ones kafka, others hadoop),"
              + " local (java.nio), hadoop (a Hadoop FileSystem) or kafka (a compacted topic,"
              + " needs pipeseal-key-registry-kafka).");

  public static final Property<Integer> CACHE_SIZE =
      Property.integer(
              "registry.cache-size",
              DEFAULT_CACHE_SIZE,
              0,
              Integer.MAX_VALUE,
              "Registry records kept in the in-memory read cache (0 disables it).")
          .withAliases("registry.cacheSize");

  public static final Property<Integer> SUBJECT_CACHE_SIZE =
      Property.integer(
          "registry.subject-cache-size",
          100_000,
          0,
          Integer.MAX_VALUE,
          "Subjects whose key entries (wrapped keys or erasure marks) are kept in the in-memory read"
              + " cache (0 disables it).");

  public static final Property<Duration> SUBJECT_CACHE_TTL =
      Property.duration(
              "registry.subject-cache-ttl",
              Duration.ofMinutes(1),
              ChronoUnit.SECONDS,
              "How long a cached subject entry (and a reader's or writer's open subject key) is"
                  + " used before the registry is read again; a running process refuses a shredded"
                  + " subject's values at most twice this long after the shred.")
          .withCheck(d -> !d.isNegative(), "must not be negative");

  /** The options {@link #parse} reads. */
  public static final PropertySet PROPERTIES =
      PropertySet.of("key registry", "", STORE, CACHE_SIZE, SUBJECT_CACHE_SIZE, SUBJECT_CACHE_TTL)
          .withPassThrough(
              KAFKA_PREFIX,
              "the compacted-topic store (see key registry on a Kafka topic): its settings and"
                  + " Kafka client properties");

  public RegistryConfig {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(subjectCacheTtl, "subjectCacheTtl");
    options = Map.copyOf(Objects.requireNonNull(options, "options"));
    if (cacheSize < 0 || subjectCacheSize < 0) {
      throw new IllegalArgumentException("registry cache size must be >= 0: " + cacheSize);
    }
    if (store == Store.AUTO) {
      store =
          "file".equals(location.getScheme())
              ? Store.LOCAL
              : KAFKA_SCHEME.equals(location.getScheme()) ? Store.KAFKA : Store.HADOOP;
    }
    if ((store == Store.KAFKA) != KAFKA_SCHEME.equals(location.getScheme())) {
      throw new IllegalArgumentException(
          "the kafka registry store takes kafka:TOPIC locations and only it does, got " + location);
    }
    if (store == Store.LOCAL && !"file".equals(location.getScheme())) {
      throw new IllegalArgumentException(
          "the local registry store needs a file: location, got " + location);
    }
  }

  /**
   * Parses a location (a plain path or a URI with a scheme) and options ({@link #PROPERTIES});
   * unknown option names are rejected, deprecated ones logged.
   *
   * @throws IllegalArgumentException on an invalid value or unknown option
   */
  public static RegistryConfig parse(String location, Map<String, String> options) {
    Objects.requireNonNull(location, "location");
    if (location.isBlank()) {
      throw new IllegalArgumentException("registry location is empty");
    }
    try {
      Settings settings =
          Settings.of(options).withSource("registry").withWarnings(LOG::warn).validate(PROPERTIES);
      return new RegistryConfig(
          toUri(location),
          settings.get(STORE),
          settings.get(CACHE_SIZE),
          settings.get(SUBJECT_CACHE_SIZE),
          settings.get(SUBJECT_CACHE_TTL),
          settings.asMap());
    } catch (SettingsException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** Names the options but never repeats their values: Kafka client properties hold passwords. */
  @Override
  public String toString() {
    return "RegistryConfig[location="
        + location
        + ", store="
        + store
        + ", cacheSize="
        + cacheSize
        + ", subjectCacheSize="
        + subjectCacheSize
        + ", subjectCacheTtl="
        + subjectCacheTtl
        + ", options="
        + new java.util.TreeSet<>(options.keySet())
        + "]";
  }

  private static URI toUri(String location) {
    // A scheme of two or more letters; "C:\..." stays a path.
    if (location.matches("^[A-Za-z][A-Za-z0-9+.-]+:.*")) {
      URI uri = URI.create(location);
      return "file".equals(uri.getScheme()) ? Path.of(uri).toUri() : uri;
    }
    return Path.of(location).toAbsolutePath().normalize().toUri();
  }
}
