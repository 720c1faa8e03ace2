package dev.pipeseal.envelope;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.metrics.DataPathMetrics;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writer under one DEK fixed by configuration, for deterministic (AES-SIV) envelopes: equal
 * plaintexts must give byte-identical envelopes across processes and restarts (Kafka partitions and
 * compacts by key bytes), so every writer must name the same key reference. The DEK is created once
 * ({@link #newWrappedKey}), its wrapped form is stored in configuration (it is safe to store: only
 * the KMS can unwrap it) and each writer unwraps it at start.
 *
 * <p>Thread-safe. The DEK is never rotated by the writer: rotating it changes every envelope (and
 * hence partitions and compaction identity), which is an operator's decision.
 */
public final class FixedKeyEnvelopeWriter implements EnvelopeWriter {
  private final EnvelopeEncryptor encryptor;
  private final String keyName;
  // AES-SIV makes two passes over each value; one uncontended adder increment is noise beside it.
  private final LongAdder sealed = new LongAdder();
  private final DataPathMetrics.Tracked tracked;

  private FixedKeyEnvelopeWriter(EnvelopeEncryptor encryptor, String keyName) {
    this.encryptor = encryptor;
    this.keyName = keyName;
    this.tracked = DataPathMetrics.trackEncrypted(keyName, sealed::sum);
  }

  /**
   * Unwraps {@code wrapped} (base64 of the binary wrapped-key record v1) through the KMS and opens
   * an {@code algorithm} writer whose envelopes carry it inline.
   */
  public static FixedKeyEnvelopeWriter open(
      EnvelopeKeys keys, String wrappedBase64, Algorithm algorithm) {
    Objects.requireNonNull(algorithm, "algorithm");
    byte[] record;
    try {
      record = Base64.getDecoder().decode(wrappedBase64.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("wrapped data key is not valid base64", e);
    }
    WrappedKey wrapped = WrappedKeyCodec.fromBinary(record);
    KeyReference ref = keys.inlineReference(wrapped);
    try (DataKey key = keys.unwrap(ref)) {
      return new FixedKeyEnvelopeWriter(
          EnvelopeEncryptor.create(key, algorithm, ref), wrapped.masterKeyName());
    }
  }

  /**
   * Generates a DEK under {@code masterKey} and returns its wrapped form as base64 of the binary
   * wrapped-key record v1, ready to put into configuration. The plaintext key is destroyed.
   */
  public static String newWrappedKey(EnvelopeKeys keys, String masterKey) {
    try (DataKeyPair pair = keys.generate(masterKey)) {
      return Base64.getEncoder().encodeToString(WrappedKeyCodec.toBinary(pair.wrapped()));
    }
  }

  @Override
  public byte[] encrypt(byte[] in, int off, int len, EnvelopeContext context) {
    byte[] out = new byte[encryptor.envelopeLength(len)];
    encryptor.encrypt(in, off, len, context, out, 0);
    sealed.increment();
    return out;
  }

  @Override
  public long valuesEncrypted() {
    return sealed.sum();
  }

  /** Master key the fixed DEK is wrapped under. */
  public String keyName() {
    return keyName;
  }

  @Override
  public void close() {
    tracked.close();
    encryptor.close();
  }

  @Override
  public String toString() {
    return "FixedKeyEnvelopeWriter[" + keyName + ", " + encryptor.algorithm() + "]";
  }
}
