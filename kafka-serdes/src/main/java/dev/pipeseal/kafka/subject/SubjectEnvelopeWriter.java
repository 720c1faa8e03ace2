package dev.pipeseal.kafka.subject;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.crypto.key.KeyDestroyedException;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.audit.AuditContext;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.registry.KeyRegistryService;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.SubjectErasedException;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * A serializer's per-subject writer ({@code pipeseal.subject}): seals each value under the DEK of
 * its data subject from the registry's subject area, the same key the lake's Spark writers use for
 * the same subject id and PRF key, with envelopes that name it by reference (kind 0x03: subject
 * hash and key id, no wrapped DEK). A subject seen for the first time anywhere gets its key created
 * in the registry under {@code pipeseal.master-key}.
 *
 * <p>Keeps the open keys of up to {@value #MAX_OPEN} subjects; each is looked up in the registry
 * again after the registry's subject cache TTL, so a producer stops writing for a shredded subject
 * (with a {@link SubjectErasedException}) within two TTLs of the shred. Owns its lease on the JVM's
 * shared KMS bridge and its registry. Thread-safe.
 */
public final class SubjectEnvelopeWriter implements AutoCloseable {
  static final int MAX_OPEN = 4096;

  private final SharedKmsBridges.Lease lease;
  private final SubjectKeyRegistry subjects;
  private final EnvelopeKeys keys;
  private final SubjectHasher hasher;
  private final String masterKey;
  private final long ttlNanos;
  // Guarded by itself.
  private final LinkedHashMap<SubjectHash, Open> open;

  private record Open(EnvelopeEncryptor encryptor, long staleAt) {}

  private SubjectEnvelopeWriter(
      SharedKmsBridges.Lease lease, SubjectKeyRegistry subjects, SerdeConfig config) {
    this.lease = lease;
    this.subjects = subjects;
    this.keys = EnvelopeKeys.withSubjects(lease.bridge(), null, subjects);
    this.hasher = config.subjectHasher();
    this.masterKey = config.masterKey();
    this.ttlNanos = subjects.cacheTtl().toNanos();
    this.open =
        new LinkedHashMap<>(256, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<SubjectHash, Open> eldest) {
            if (size() > MAX_OPEN) {
              eldest.getValue().encryptor().close();
              return true;
            }
            return false;
          }
        };
  }

  /** Leases the bridge and opens the registry's subject area for {@code config}. */
  public static SubjectEnvelopeWriter open(SerdeConfig config) {
    config.requireWriterSettings();
    SharedKmsBridges.Lease lease = SharedKmsBridges.acquire(config.kmsProperties());
    try {
      SubjectKeyRegistry subjects;
      try {
        subjects =
            KeyRegistryService.loadSubjects(
                config.registry(),
                config.registryOptions(),
                SubjectEnvelopeWriter.class.getClassLoader());
      } catch (RegistryException | IllegalArgumentException e) {
        throw new ConfigException(
            config.name(SerdeConfig.REGISTRY), config.registry(), e.getMessage());
      }
      return new SubjectEnvelopeWriter(lease, subjects, config);
    } catch (RuntimeException e) {
      lease.close();
      throw e;
    }
  }

  /** The subject hash of a subject id (UTF-8), as errors and {@code pipeseal shred} name it. */
  public SubjectHash hash(byte[] subjectId) {
    return hasher.hash(subjectId);
  }

  /**
   * Seals {@code plain} under the key of {@code subject}.
   *
   * @throws SubjectErasedException if the subject was shredded
   */
  public byte[] encrypt(SubjectHash subject, byte[] plain, EnvelopeContext context) {
    for (int attempt = 0; ; attempt++) {
      EnvelopeEncryptor e = encryptor(subject);
      try {
        return e.encrypt(plain, context);
      } catch (KeyDestroyedException closed) {
        // Evicted and closed by another thread between lookup and use: open it again, once.
        if (attempt > 0) {
          throw closed;
        }
      }
    }
  }

  private EnvelopeEncryptor encryptor(SubjectHash subject) {
    synchronized (open) {
      Open o = open.get(subject);
      if (o != null && System.nanoTime() - o.staleAt() < 0) {
        return o.encryptor();
      }
      if (o != null) {
        open.remove(subject);
        o.encryptor().close();
      }
      EnvelopeEncryptor e = openSubject(subject);
      open.put(subject, new Open(e, System.nanoTime() + ttlNanos));
      return e;
    }
  }

  private EnvelopeEncryptor openSubject(SubjectHash subject) {
    try (AuditContext.Scope audit = AuditContext.with("kafka:subject")) {
      SubjectKey key =
          subjects
              .keysFor(
                  List.of(subject),
                  () -> {
                    try (DataKeyPair pair = keys.generate(masterKey)) {
                      return pair.wrapped();
                    }
                  })
              .get(subject);
      if (key == null) {
        throw new SubjectErasedException(subjects.toString(), subject, null);
      }
      KeyReference ref = keys.subjectReference(key);
      try (DataKey dek = keys.unwrap(ref)) {
        return EnvelopeEncryptor.create(dek, Algorithm.XAES_256_GCM, ref);
      }
    }
  }

  /** The master key new subject keys are wrapped under (for messages). */
  public String keyName() {
    return masterKey;
  }

  @Override
  public void close() {
    try {
      synchronized (open) {
        open.values().forEach(o -> o.encryptor().close());
        open.clear();
      }
      subjects.close();
    } finally {
      lease.close();
    }
  }
}
