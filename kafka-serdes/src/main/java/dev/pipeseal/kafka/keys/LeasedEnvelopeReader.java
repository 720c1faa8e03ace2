package dev.pipeseal.kafka.keys;

import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.EnvelopeReader;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.metrics.DecryptFailureKind;
import dev.pipeseal.kms.metrics.DecryptFailures;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.KeyRegistryService;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import org.apache.kafka.common.config.ConfigException;

/**
 * A deserializer's {@link EnvelopeReader} (open keys, last-header fast path), its lease on the
 * JVM's shared KMS bridge and, when {@code pipeseal.registry} is set, the key registry that
 * resolves registry key references (by id, cached) and per-subject key references (subject keys,
 * looked up again after the registry's subject cache TTL so a shred is seen); closing it closes
 * them all.
 */
public final class LeasedEnvelopeReader implements AutoCloseable {
  private final SharedKmsBridges.Lease lease;
  private final KeyRegistry registry;
  private final SubjectKeyRegistry subjects;
  private final EnvelopeReader reader;

  private LeasedEnvelopeReader(
      SharedKmsBridges.Lease lease, KeyRegistry registry, SubjectKeyRegistry subjects) {
    this.lease = lease;
    this.registry = registry;
    this.subjects = subjects;
    this.reader =
        new EnvelopeReader(
            registry == null
                ? EnvelopeKeys.inline(lease.bridge())
                : EnvelopeKeys.withSubjects(lease.bridge(), registry, subjects),
            EnvelopeReader.DEFAULT_MAX_KEYS,
            null,
            DecryptFailures.child());
  }

  /** Leases the bridge for {@code config}'s {@code pipeseal.kms.*} settings. */
  public static LeasedEnvelopeReader open(SerdeConfig config) {
    config.requireKms();
    SharedKmsBridges.Lease lease = SharedKmsBridges.acquire(config.kmsProperties());
    KeyRegistry registry = null;
    SubjectKeyRegistry subjects = null;
    try {
      if (config.registry() != null) {
        registry = openRegistry(config);
        subjects = openSubjects(config);
      }
      return new LeasedEnvelopeReader(lease, registry, subjects);
    } catch (RuntimeException e) {
      closeQuietly(registry, e);
      if (subjects != null) {
        try {
          subjects.close();
        } catch (RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      lease.close();
      throw e;
    }
  }

  /** Opens {@code pipeseal.registry} through the registry module found on the classpath. */
  static KeyRegistry openRegistry(SerdeConfig config) {
    try {
      return KeyRegistryService.load(
          config.registry(), config.registryOptions(), LeasedEnvelopeReader.class.getClassLoader());
    } catch (RegistryException | IllegalArgumentException e) {
      throw new ConfigException(
          config.name(SerdeConfig.REGISTRY), config.registry(), e.getMessage());
    }
  }

  /** Opens the subject key area of {@code pipeseal.registry} (records under per-subject keys). */
  static SubjectKeyRegistry openSubjects(SerdeConfig config) {
    try {
      return KeyRegistryService.loadSubjects(
          config.registry(), config.registryOptions(), LeasedEnvelopeReader.class.getClassLoader());
    } catch (RegistryException | IllegalArgumentException e) {
      throw new ConfigException(
          config.name(SerdeConfig.REGISTRY), config.registry(), e.getMessage());
    }
  }

  static void closeRegistry(KeyRegistry registry) {
    if (registry != null) {
      registry.close();
    }
  }

  static void closeQuietly(KeyRegistry registry, RuntimeException pending) {
    try {
      closeRegistry(registry);
    } catch (RuntimeException e) {
      pending.addSuppressed(e);
    }
  }

  public EnvelopeReader reader() {
    return reader;
  }

  /** This deserializer's decrypt failures by kind (they count into the JVM's too). */
  public DecryptFailures failures() {
    return reader.failures();
  }

  /**
   * Counts a value refused because it is plaintext where encryption is required (failures the
   * reader raises itself are counted by it).
   */
  public void countPlaintextRefused(String context) {
    reader.failures().record(DecryptFailureKind.PLAINTEXT_REFUSED, context);
  }

  /** Counts a value that decrypted but is not of the type its envelope or schema records. */
  public void countWrongType(String context) {
    reader.failures().record(DecryptFailureKind.WRONG_TYPE, context);
  }

  /** The shared bridge (its counters are shared by every host of this KMS configuration). */
  public KmsBridge bridge() {
    return lease.bridge();
  }

  @Override
  public void close() {
    try {
      reader.close();
    } finally {
      try {
        closeRegistry(registry);
      } finally {
        try {
          if (subjects != null) {
            subjects.close();
          }
        } finally {
          lease.close();
        }
      }
    }
  }
}
