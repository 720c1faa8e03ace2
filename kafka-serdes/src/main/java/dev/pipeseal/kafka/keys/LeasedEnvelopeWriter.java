package dev.pipeseal.kafka.keys;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.KeyReferenceKind;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.EnvelopeWriter;
import dev.pipeseal.envelope.FixedKeyEnvelopeWriter;
import dev.pipeseal.envelope.RotatingEnvelopeWriter;
import dev.pipeseal.kafka.config.KeyReferences;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.registry.KeyRegistry;
import org.apache.kafka.common.config.ConfigException;

/**
 * A serializer's envelope writer, its lease on the JVM's shared KMS bridge and, for registry key
 * references, its key registry; closing it closes the writer, then the registry, and releases the
 * lease (the last user of a bridge closes it).
 */
public final class LeasedEnvelopeWriter implements AutoCloseable {
  private final SharedKmsBridges.Lease lease;
  private final KeyRegistry registry;
  private final EnvelopeWriter writer;
  private final String keyName;

  private LeasedEnvelopeWriter(
      SharedKmsBridges.Lease lease, KeyRegistry registry, EnvelopeWriter writer, String keyName) {
    this.lease = lease;
    this.registry = registry;
    this.writer = writer;
    this.keyName = keyName;
  }

  /**
   * Leases the bridge and opens the writer: randomized writers start fetching their first DEK in
   * the background; deterministic writers unwrap the configured DEK now (failing fast if they
   * cannot).
   */
  public static LeasedEnvelopeWriter open(SerdeConfig config) {
    config.requireWriterSettings();
    SharedKmsBridges.Lease lease = SharedKmsBridges.acquire(config.kmsProperties());
    KeyRegistry registry = null;
    try {
      EnvelopeKeys keys = EnvelopeKeys.inline(lease.bridge());
      // Deterministic envelopes keep their configured DEK inline: every producer must write the
      // same bytes, and a registry id would differ per registration.
      if (!config.deterministic() && config.keyReferences() == KeyReferences.REGISTRY) {
        registry = LeasedEnvelopeReader.openRegistry(config);
        keys = EnvelopeKeys.withRegistry(lease.bridge(), registry);
      }
      if (config.deterministic()) {
        FixedKeyEnvelopeWriter w;
        try {
          w = FixedKeyEnvelopeWriter.open(keys, config.deterministicDek(), Algorithm.AES_SIV);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(
              config.name(SerdeConfig.DETERMINISTIC_DEK), null, e.getMessage());
        }
        return new LeasedEnvelopeWriter(lease, null, w, w.keyName());
      }
      // Inline references write the configured format (v2 by default: the ~190-byte header is
      // hashed once per DEK instead of authenticated by GHASH with every record); an 8-byte
      // registry id makes a 12-byte header, cheaper to authenticate as it is than a digest.
      RotatingEnvelopeWriter w =
          RotatingEnvelopeWriter.start(
              keys,
              config.masterKey(),
              config.dekLimits(),
              registry == null
                  ? KeyReferenceKind.INLINE_WRAPPED_KEY
                  : KeyReferenceKind.REGISTRY_KEY_ID,
              registry == null ? config.envelopeVersion() : Envelope.VERSION_1);
      return new LeasedEnvelopeWriter(lease, registry, w, config.masterKey());
    } catch (RuntimeException e) {
      LeasedEnvelopeReader.closeQuietly(registry, e);
      lease.close();
      throw e;
    }
  }

  public EnvelopeWriter writer() {
    return writer;
  }

  /** The shared bridge (its counters are shared by every host of this KMS configuration). */
  public KmsBridge bridge() {
    return lease.bridge();
  }

  /** The master key values are encrypted under (for messages). */
  public String keyName() {
    return keyName;
  }

  @Override
  public void close() {
    try {
      writer.close();
    } finally {
      try {
        LeasedEnvelopeReader.closeRegistry(registry);
      } finally {
        lease.close();
      }
    }
  }
}
