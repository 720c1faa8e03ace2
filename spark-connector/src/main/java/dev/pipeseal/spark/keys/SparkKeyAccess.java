package dev.pipeseal.spark.keys;

import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.SubjectEncryptors;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.spark.config.PipesealSparkConfig;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one Spark configuration uses to reach keys in this JVM: the shared KMS bridge, the key
 * registry, the {@link EnvelopeKeys} that resolve references through both, and the driver's {@link
 * DriverKeys}. Held as an attachment of the JVM's pinned shared bridge ({@link SharedKmsBridges}),
 * so the Parquet crypto factory of the same session, configured with the same {@code
 * spark.pipeseal.kms.*}, shares the bridge and its caches, and {@link SharedKmsBridges#closeAll()}
 * closes all of it. The bridge's cache keeps unwraps to one per data key per JVM, not per task.
 */
public final class SparkKeyAccess implements AutoCloseable {
  private final PipesealSparkConfig config;
  private final KmsBridge bridge;
  private final KeyRegistry registry;
  private final SubjectKeyRegistry subjects;
  private final EnvelopeKeys keys;
  private volatile SubjectHasher hasher;
  private volatile SubjectEncryptors subjectEncryptors;
  private final int subjectOpenKeys;
  private final DriverKeys driverKeys;

  private SparkKeyAccess(PipesealSparkConfig config, KmsBridge bridge) {
    this.config = config;
    this.bridge = bridge;
    this.registry =
        config.registryLocation() == null
            ? null
            : KeyRegistries.open(config.registryLocation(), config.registryOptions());
    this.subjects =
        registry == null
            ? null
            : KeyRegistries.openSubjects(config.registryLocation(), config.registryOptions());
    this.keys =
        registry == null
            ? EnvelopeKeys.inline(bridge)
            : EnvelopeKeys.withSubjects(bridge, registry, subjects);
    this.driverKeys = new DriverKeys(this);
    this.subjectOpenKeys = config.subjectOpenKeys(Runtime.getRuntime().maxMemory());
  }

  /** The key access for {@code config}, opened on first use in this JVM. */
  public static SparkKeyAccess of(PipesealSparkConfig config) {
    return SharedKmsBridges.pinned(config.bridgeProperties())
        .attachment(
            "spark:" + nonKmsSettings(config.properties()),
            SparkKeyAccess.class,
            bridge -> new SparkKeyAccess(config, bridge));
  }

  // Bridge settings are the bridge's identity already; the rest tell two Spark setups apart.
  private static String nonKmsSettings(Map<String, String> properties) {
    Map<String, String> rest = new TreeMap<>();
    properties.forEach(
        (k, v) -> {
          if (!k.startsWith(PipesealSparkConfig.KMS_PREFIX)) {
            rest.put(k, v);
          }
        });
    return rest.toString();
  }

  public PipesealSparkConfig config() {
    return config;
  }

  public KmsBridge bridge() {
    return bridge;
  }

  /** The registry, or null when none is configured. */
  public KeyRegistry registry() {
    return registry;
  }

  public EnvelopeKeys keys() {
    return keys;
  }

  /** The subject key area of the registry, or null when no registry is configured. */
  public SubjectKeyRegistry subjects() {
    return subjects;
  }

  /** The keyed hash of subject ids (resolved once per JVM from the PRF key setting). */
  public SubjectHasher subjectHasher() {
    SubjectHasher h = hasher;
    if (h == null) {
      synchronized (this) {
        if (hasher == null) {
          hasher = config.subjectHasher();
        }
        h = hasher;
      }
    }
    return h;
  }

  /**
   * The subjects' open encryptors in this JVM, shared by every task of this configuration; entries
   * are trusted for the registry's subject-cache-ttl, as the registry's own cache is.
   */
  public SubjectEncryptors subjectEncryptors() {
    SubjectEncryptors e = subjectEncryptors;
    if (e == null) {
      synchronized (this) {
        if (subjectEncryptors == null) {
          subjectEncryptors =
              new SubjectEncryptors(keys, subjectOpenKeys, config.subjectCacheTtl());
        }
        e = subjectEncryptors;
      }
    }
    return e;
  }

  /** Subjects kept open per executor and per task ({@code spark.pipeseal.subject.open-keys}). */
  public int subjectOpenKeys() {
    return subjectOpenKeys;
  }

  /** The driver's data keys for this configuration. */
  public DriverKeys driverKeys() {
    return driverKeys;
  }

  /** Closes the registry; the shared bridge closes itself right after. */
  @Override
  public void close() {
    if (subjectEncryptors != null) {
      subjectEncryptors.close();
    }
    if (subjects != null) {
      subjects.close();
    }
    if (registry != null) {
      registry.close();
    }
  }
}
