package dev.pipeseal.kafka.keys;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.EnvelopeWriter;
import dev.pipeseal.envelope.FixedKeyEnvelopeWriter;
import dev.pipeseal.envelope.RotatingEnvelopeWriter;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kms.bridge.KmsBridge;
import org.apache.kafka.common.config.ConfigException;

/** A serializer's KMS connection and envelope writer; closing it closes both. */
public final class WriterKeys implements AutoCloseable {
  private final KmsBridge kms;
  private final EnvelopeWriter writer;
  private final String keyName;

  private WriterKeys(KmsBridge kms, EnvelopeWriter writer, String keyName) {
    this.kms = kms;
    this.writer = writer;
    this.keyName = keyName;
  }

  /**
   * Opens the KMS and the writer: randomized writers start fetching their first DEK in the
   * background; deterministic writers unwrap the configured DEK now (failing fast if they cannot).
   */
  public static WriterKeys open(SerdeConfig config) {
    config.requireWriterSettings();
    KmsBridge kms = KmsBridge.open(config.kmsProperties());
    try {
      EnvelopeKeys keys = EnvelopeKeys.inline(kms);
      if (config.deterministic()) {
        FixedKeyEnvelopeWriter w;
        try {
          w = FixedKeyEnvelopeWriter.open(keys, config.deterministicDek(), Algorithm.AES_SIV);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(
              config.name(SerdeConfig.DETERMINISTIC_DEK), null, e.getMessage());
        }
        return new WriterKeys(kms, w, w.keyName());
      }
      RotatingEnvelopeWriter w =
          RotatingEnvelopeWriter.start(keys, config.masterKey(), config.dekLimits());
      return new WriterKeys(kms, w, config.masterKey());
    } catch (RuntimeException e) {
      kms.close();
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
      kms.close();
    }
  }
}
