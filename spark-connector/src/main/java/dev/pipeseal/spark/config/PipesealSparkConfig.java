package dev.pipeseal.spark.config;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.secret.Secret;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Settings;
import dev.pipeseal.registry.RegistryConfig;
import java.io.Serializable;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@code spark.pipeseal.*} setting, parsed and validated here and nowhere else. Serializable
 * so expressions can carry it to executors; it holds names and secret <em>references</em> ({@code
 * env:}/{@code file:}), never key material.
 *
 * @param properties the raw {@code spark.pipeseal.*} entries (the identity of the executor-side key
 *     services: equal properties share one bridge and registry per JVM)
 * @param registryLocation key registry directory URI, or null
 * @param registryStore {@code auto}, {@code local} or {@code hadoop}
 * @param registryCacheSize registry records cached per JVM
 * @param defaultMasterKey master key used when a function names none, or null
 * @param keyReference how randomized ciphertexts reference their data key
 * @param dekLifetime how long the driver reuses one randomized data key per master key
 * @param readerMaxKeys distinct data keys one task keeps open while decrypting
 */
public record PipesealSparkConfig(
    Map<String, String> properties,
    String registryLocation,
    String registryStore,
    int registryCacheSize,
    String defaultMasterKey,
    KeyReferenceMode keyReference,
    Duration dekLifetime,
    int readerMaxKeys)
    implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PipesealSparkConfig.class);

  public static final String PREFIX = "spark.pipeseal.";
  public static final String KMS_PREFIX = PREFIX + "kms.";

  /** Where a randomized value's data key lives. */
  public enum KeyReferenceMode {
    /** An 8-byte registry id in each value (the Spark default; rotation rewraps the registry). */
    REGISTRY,
    /** The wrapped key inside each value (self-contained; about 100-200 bytes more per value). */
    INLINE
  }

  public static final Property<String> REGISTRY_LOCATION_PROPERTY =
      Property.string(
          "registry.location",
          null,
          "Key registry directory (file:, hdfs:, s3a: ...); required with key-reference=registry.");
  public static final Property<String> DEFAULT_MASTER_KEY_PROPERTY =
      Property.string("default-master-key", null, "Master key used when a function names none.");
  public static final Property<KeyReferenceMode> KEY_REFERENCE_PROPERTY =
      Property.choice(
          "key-reference",
          KeyReferenceMode.class,
          KeyReferenceMode.REGISTRY,
          "How randomized values reference their data key: registry (an 8-byte id) or inline"
              + " (the wrapped key in each value).");
  public static final Property<Duration> DEK_LIFETIME_PROPERTY =
      Property.duration(
              "dek.lifetime",
              Duration.ofHours(1),
              ChronoUnit.SECONDS,
              "How long the driver reuses one randomized data key per master key.")
          .withCheck(d -> !d.isZero(), "must be positive");
  public static final Property<Integer> READER_MAX_KEYS_PROPERTY =
      Property.integer(
          "reader.max-keys",
          64,
          1,
          Integer.MAX_VALUE,
          "Distinct data keys one task keeps open while decrypting.");

  /**
   * Bytes one open subject costs, roughly: its executor-wide encryptor (with an AES key schedule)
   * plus a writer stream with its own GCM cipher.
   */
  static final long BYTES_PER_OPEN_SUBJECT = 4096;

  /** Most subjects kept open when sized automatically. */
  static final int MAX_AUTO_OPEN_SUBJECTS = 1 << 20;

  public static final Property<Integer> SUBJECT_OPEN_KEYS_PROPERTY =
      Property.integer(
          "subject.open-keys",
          0,
          0,
          Integer.MAX_VALUE,
          "Data subjects whose keys an executor keeps open for pipeseal_encrypt_subject (shared"
              + " by its tasks; each task also keeps this many subjects' writers); 0 sizes it"
              + " from the heap: 1/8 of the maximum heap at about 4 KiB per subject, at most"
              + " 1048576 (131072 with a 4 GiB heap).");

  /** Every Spark property, relative to {@value #PREFIX}. */
  public static final PropertySet PROPERTIES =
      PropertySet.of(
              "Spark connector",
              PREFIX,
              REGISTRY_LOCATION_PROPERTY,
              RegistryConfig.STORE,
              RegistryConfig.CACHE_SIZE,
              RegistryConfig.SUBJECT_CACHE_SIZE,
              RegistryConfig.SUBJECT_CACHE_TTL,
              SubjectHasher.PRF_KEY,
              SUBJECT_OPEN_KEYS_PROPERTY,
              DEFAULT_MASTER_KEY_PROPERTY,
              KEY_REFERENCE_PROPERTY,
              DEK_LIFETIME_PROPERTY,
              READER_MAX_KEYS_PROPERTY)
          .withPassThrough("kms.", "the KMS bridge, as pipeseal.kms.* (see KMS bridge)");

  /** Full names, for messages. */
  public static final String REGISTRY_LOCATION = PREFIX + REGISTRY_LOCATION_PROPERTY.name();

  public static final String DEFAULT_MASTER_KEY = PREFIX + DEFAULT_MASTER_KEY_PROPERTY.name();
  public static final String KEY_REFERENCE = PREFIX + KEY_REFERENCE_PROPERTY.name();

  public PipesealSparkConfig {
    properties = Map.copyOf(properties);
    if (keyReference == KeyReferenceMode.REGISTRY && registryLocation == null) {
      throw new PipesealConfigException(
          REGISTRY_LOCATION
              + " is required when "
              + KEY_REFERENCE
              + "=registry (the default); set it or use "
              + KEY_REFERENCE
              + "=inline");
    }
  }

  /**
   * Parses the {@code spark.pipeseal.*} entries of {@code conf} (other entries are ignored).
   *
   * @throws PipesealConfigException naming the property on an unknown name or invalid value
   */
  public static PipesealSparkConfig parse(Map<String, String> conf) {
    Map<String, String> own = new TreeMap<>();
    conf.forEach(
        (k, v) -> {
          if (k.startsWith(PREFIX)) {
            own.put(k, v);
          }
        });
    try {
      Settings s =
          Settings.of(own)
              .withSource("spark")
              .withWarnings(LOG::warn)
              .scoped(PREFIX)
              .validate(PROPERTIES);
      // Validates the bridge settings now, on the driver, rather than in the first task.
      KmsBridgeConfig.fromProperties(own, KMS_PREFIX);
      return new PipesealSparkConfig(
          own,
          s.get(REGISTRY_LOCATION_PROPERTY),
          s.get(RegistryConfig.STORE).name().toLowerCase(Locale.ROOT),
          s.get(RegistryConfig.CACHE_SIZE),
          s.get(DEFAULT_MASTER_KEY_PROPERTY),
          s.get(KEY_REFERENCE_PROPERTY),
          s.get(DEK_LIFETIME_PROPERTY),
          s.get(READER_MAX_KEYS_PROPERTY));
    } catch (KmsConfigException e) {
      throw new PipesealConfigException(e.getMessage(), e);
    }
  }

  /** Settings for {@code KmsBridge.open(...)} under the bridge's own prefix. */
  public Map<String, String> bridgeProperties() {
    Map<String, String> out = new TreeMap<>();
    properties.forEach(
        (k, v) -> {
          if (k.startsWith(KMS_PREFIX)) {
            out.put(KmsBridgeConfig.PREFIX + k.substring(KMS_PREFIX.length()), v);
          }
        });
    return out;
  }

  /** Options for {@code KeyRegistries.open(location, options)}. */
  public Map<String, String> registryOptions() {
    Map<String, String> out = new TreeMap<>();
    out.put(RegistryConfig.STORE.name(), registryStore);
    out.put(RegistryConfig.CACHE_SIZE.name(), "" + registryCacheSize);
    for (var p :
        java.util.List.of(RegistryConfig.SUBJECT_CACHE_SIZE, RegistryConfig.SUBJECT_CACHE_TTL)) {
      String v = properties.get(PREFIX + p.name());
      if (v != null) {
        out.put(p.name(), v);
      }
    }
    return out;
  }

  /**
   * Subjects whose keys stay open per executor (and writers per task), from {@code
   * subject.open-keys}, sized from {@code maxHeapBytes} when it is 0 (automatic).
   */
  public int subjectOpenKeys(long maxHeapBytes) {
    try {
      int v =
          Settings.of(properties)
              .withSource("spark")
              .scoped(PREFIX)
              .get(SUBJECT_OPEN_KEYS_PROPERTY);
      if (v > 0) {
        return v;
      }
    } catch (KmsConfigException e) {
      throw new PipesealConfigException(e.getMessage(), e);
    }
    long auto = maxHeapBytes / 8 / BYTES_PER_OPEN_SUBJECT;
    return (int) Math.max(1024, Math.min(MAX_AUTO_OPEN_SUBJECTS, auto));
  }

  /** How long executors trust a cached subject entry (the registry's subject-cache-ttl). */
  public java.time.Duration subjectCacheTtl() {
    return RegistryConfig.parse(registryLocation, registryOptions()).subjectCacheTtl();
  }

  /** Full name of the subject PRF key setting, for messages. */
  public static final String SUBJECT_PRF_KEY = PREFIX + SubjectHasher.PRF_KEY.name();

  /**
   * The keyed hash of subject ids, from {@value #SUBJECT_PRF_KEY} (resolved here, in this JVM: the
   * reference travels, never the key).
   *
   * @throws PipesealConfigException if the setting is missing or cannot be resolved
   */
  public SubjectHasher subjectHasher() {
    try {
      Settings s = Settings.of(properties).withSource("spark").scoped(PREFIX);
      if (properties.get(SUBJECT_PRF_KEY) == null) {
        throw new PipesealConfigException(
            SUBJECT_PRF_KEY
                + " is required to encrypt under per-subject keys (a secret reference, env:NAME"
                + " or file:/path, to at least 32 bytes)");
      }
      try (Secret key = s.secret(SubjectHasher.PRF_KEY, SecretSource.system())) {
        return SubjectHasher.of(key);
      }
    } catch (KmsConfigException | IllegalArgumentException e) {
      throw new PipesealConfigException(SUBJECT_PRF_KEY + ": " + e.getMessage(), e);
    }
  }

  /** Shows the non-bridge settings only: bridge values may point at secrets. */
  @Override
  public String toString() {
    return "PipesealSparkConfig[registry="
        + registryLocation
        + ", keyReference="
        + keyReference
        + ", defaultMasterKey="
        + defaultMasterKey
        + "]";
  }
}
