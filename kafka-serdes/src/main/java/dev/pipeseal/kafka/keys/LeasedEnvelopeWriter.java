package dev.pipeseal.kafka.keys;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.EnvelopeWriter;
import dev.pipeseal.envelope.FixedKeyEnvelopeWriter;
import dev.pipeseal.envelope.RotatingEnvelopeWriter;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import org.apache.kafka.common.config.ConfigException;

/**
 * A serializer's envelope writer and its lease on the JVM's shared KMS bridge; closing it closes
 * the writer and releases the lease (the last user of a bridge closes it).
 */
public final class LeasedEnvelopeWriter implements AutoCloseable {
  private final SharedKmsBridges.Lease lease;
  private final EnvelopeWriter writer;
  private final String keyName;

  private LeasedEnvelopeWriter(
      SharedKmsBridges.Lease lease, EnvelopeWriter writer, String keyName) {
    this.lease = lease;
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
    try {
      EnvelopeKeys keys = EnvelopeKeys.inline(lease.bridge());
      if (config.deterministic()) {
        FixedKeyEnvelopeWriter w;
        try {
          w = FixedKeyEnvelopeWriter.open(keys, config.deterministicDek(), Algorithm.AES_SIV);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(
              config.name(SerdeConfig.DETERMINISTIC_DEK), null, e.getMessage());
        }
        return new LeasedEnvelopeWriter(lease, w, w.keyName());
      }
      RotatingEnvelopeWriter w =
          RotatingEnvelopeWriter.start(keys, config.masterKey(), config.dekLimits());
      return new LeasedEnvelopeWriter(lease, w, config.masterKey());
    } catch (RuntimeException e) {
      lease.close();
      throw e;
    }
  }

  public EnvelopeWriter writer() {
    return writer;
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
      lease.close();
    }
  }
}
