package dev.pipeseal.kafka.connect;

import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kafka.keys.LeasedEnvelopeReader;
import dev.pipeseal.kafka.keys.LeasedEnvelopeWriter;

/**
 * The transformations' bridge lease and envelope writer or reader: the serializer's own ({@code
 * dev.pipeseal.kafka.keys}), so envelopes, DEK rotation and KMS failure handling are the same as on
 * a producer. The one place this module touches those classes.
 */
final class TransformKeys implements AutoCloseable {
  private final LeasedEnvelopeWriter writer;
  private final LeasedEnvelopeReader reader;

  private TransformKeys(LeasedEnvelopeWriter writer, LeasedEnvelopeReader reader) {
    this.writer = writer;
    this.reader = reader;
  }

  static TransformKeys forWriting(SerdeConfig config) {
    return new TransformKeys(LeasedEnvelopeWriter.open(config), null);
  }

  static TransformKeys forReading(SerdeConfig config) {
    return new TransformKeys(null, LeasedEnvelopeReader.open(config));
  }

  byte[] encrypt(byte[] plain, String context) {
    return writer.writer().encrypt(plain, EnvelopeContext.of(context));
  }

  /** The master key new envelopes are written under (for messages). */
  String keyName() {
    return writer.keyName();
  }

  byte[] decrypt(byte[] envelope, String context) {
    return reader.reader().decrypt(envelope, 0, envelope.length, EnvelopeContext.of(context));
  }

  /** Counts a plaintext value refused where encryption is required (decrypt failures by kind). */
  void countPlaintextRefused(String context) {
    reader.countPlaintextRefused(context);
  }

  /** Counts a value that decrypted but is not of its recorded type. */
  void countWrongType(String context) {
    reader.countWrongType(context);
  }

  boolean looksLikeEnvelope(byte[] bytes) {
    return reader.reader().looksLikeEnvelope(bytes, 0, bytes.length);
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.close();
    }
    if (reader != null) {
      reader.close();
    }
  }
}
