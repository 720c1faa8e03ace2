package dev.pipeseal.kafka.keys;

import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.EnvelopeReader;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kms.bridge.SharedKmsBridges;

/**
 * A deserializer's {@link EnvelopeReader} (open keys, last-header fast path) and its lease on the
 * JVM's shared KMS bridge; closing it closes the reader and releases the lease.
 */
public final class LeasedEnvelopeReader implements AutoCloseable {
  private final SharedKmsBridges.Lease lease;
  private final EnvelopeReader reader;

  private LeasedEnvelopeReader(SharedKmsBridges.Lease lease) {
    this.lease = lease;
    this.reader = new EnvelopeReader(EnvelopeKeys.inline(lease.bridge()));
  }

  /** Leases the bridge for {@code config}'s {@code pipeseal.kms.*} settings. */
  public static LeasedEnvelopeReader open(SerdeConfig config) {
    config.requireKms();
    return new LeasedEnvelopeReader(SharedKmsBridges.acquire(config.kmsProperties()));
  }

  public EnvelopeReader reader() {
    return reader;
  }

  @Override
  public void close() {
    try {
      reader.close();
    } finally {
      lease.close();
    }
  }
}
