package dev.pipeseal.bench.batch;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EncryptorOptions;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.crypto.key.KeyUsageLimitExceededException;

/**
 * Encrypts many values per call into envelopes v1: columns of small values, float and double
 * vectors, and blobs (large values are segmented automatically, see {@link EncryptorOptions}).
 * Cipher state is built once per thread, never per value, and each call counts its values on the
 * data key up front: a batch over the key's limit throws {@link KeyUsageLimitExceededException}
 * before anything is encrypted.
 *
 * <p>Thread-safe (it shares an {@link EnvelopeEncryptor}, whose state is per thread).
 */
public final class BatchEncryptor implements AutoCloseable {
  private final EnvelopeEncryptor encryptor;
  private final Scratch scratch = new Scratch();

  private BatchEncryptor(EnvelopeEncryptor encryptor) {
    this.encryptor = encryptor;
  }

  /** A handle on {@code key}; holds its own reference until {@link #close()}. */
  public static BatchEncryptor create(DataKey key, Algorithm algorithm, KeyReference ref) {
    return new BatchEncryptor(EnvelopeEncryptor.create(key, algorithm, ref));
  }

  /** As {@link #create(DataKey, Algorithm, KeyReference)} with explicit options. */
  public static BatchEncryptor create(
      DataKey key, Algorithm algorithm, KeyReference ref, EncryptorOptions options) {
    return new BatchEncryptor(EnvelopeEncryptor.create(key, algorithm, ref, options));
  }

  /** Envelope length for a plaintext of {@code plaintextLength} bytes. */
  public int envelopeLength(int plaintextLength) {
    return encryptor.envelopeLength(plaintextLength);
  }

  /** Encrypts every value of {@code values} into one new column of envelopes. */
  public ColumnBatch encrypt(ColumnBatch values, EnvelopeContext context) {
    int n = values.count();
    int[] offsets = new int[n + 1];
    long total = 0;
    for (int i = 0; i < n; i++) {
      total += encryptor.envelopeLength(values.length(i));
      offsets[i + 1] = Math.toIntExact(total);
    }
    byte[] out = new byte[offsets[n]];
    EnvelopeEncryptor.Reservation batch = encryptor.reserve(n);
    byte[] data = values.data();
    for (int i = 0; i < n; i++) {
      batch.encrypt(data, values.offset(i), values.length(i), context, out, offsets[i]);
    }
    return new ColumnBatch(out, offsets);
  }

  /** Encrypts each value into its own envelope; null entries stay null and are not counted. */
  public byte[][] encrypt(byte[][] values, EnvelopeContext context) {
    int present = 0;
    for (byte[] v : values) {
      present += v == null ? 0 : 1;
    }
    EnvelopeEncryptor.Reservation batch = encryptor.reserve(present);
    byte[][] out = new byte[values.length][];
    for (int i = 0; i < values.length; i++) {
      byte[] v = values[i];
      if (v != null) {
        out[i] = new byte[encryptor.envelopeLength(v.length)];
        batch.encrypt(v, 0, v.length, context, out[i], 0);
      }
    }
    return out;
  }

  /** Encrypts one float vector (little-endian IEEE 754, 4 bytes per element). */
  public byte[] encryptFloats(float[] vector, EnvelopeContext context) {
    return encryptFloats(new float[][] {vector}, context)[0];
  }

  /** Encrypts one double vector (little-endian IEEE 754, 8 bytes per element). */
  public byte[] encryptDoubles(double[] vector, EnvelopeContext context) {
    return encryptDoubles(new double[][] {vector}, context)[0];
  }

  /** Encrypts each float vector into its own envelope; null entries stay null. */
  public byte[][] encryptFloats(float[][] vectors, EnvelopeContext context) {
    EnvelopeEncryptor.Reservation batch = encryptor.reserve(countPresent(vectors));
    byte[][] out = new byte[vectors.length][];
    for (int i = 0; i < vectors.length; i++) {
      float[] v = vectors[i];
      if (v == null) {
        continue;
      }
      int bytes = Math.multiplyExact(v.length, Float.BYTES);
      byte[] pt = scratch.get(bytes);
      try {
        Floats.put(v, 0, v.length, pt);
        out[i] = new byte[encryptor.envelopeLength(bytes)];
        batch.encrypt(pt, 0, bytes, context, out[i], 0);
      } finally {
        Scratch.clear(pt, bytes);
      }
    }
    return out;
  }

  /** Encrypts each double vector into its own envelope; null entries stay null. */
  public byte[][] encryptDoubles(double[][] vectors, EnvelopeContext context) {
    EnvelopeEncryptor.Reservation batch = encryptor.reserve(countPresent(vectors));
    byte[][] out = new byte[vectors.length][];
    for (int i = 0; i < vectors.length; i++) {
      double[] v = vectors[i];
      if (v == null) {
        continue;
      }
      int bytes = Math.multiplyExact(v.length, Double.BYTES);
      byte[] pt = scratch.get(bytes);
      try {
        Floats.put(v, 0, v.length, pt);
        out[i] = new byte[encryptor.envelopeLength(bytes)];
        batch.encrypt(pt, 0, bytes, context, out[i], 0);
      } finally {
        Scratch.clear(pt, bytes);
      }
    }
    return out;
  }

  private static int countPresent(Object[] values) {
    int n = 0;
    for (Object v : values) {
      n += v == null ? 0 : 1;
    }
    return n;
  }

  /** Releases the data key reference. */
  @Override
  public void close() {
    encryptor.close();
  }

  @Override
  public String toString() {
    return "BatchEncryptor[" + encryptor.algorithm() + ", " + encryptor.keyReference() + "]";
  }
}
