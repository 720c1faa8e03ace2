package dev.pipeseal.bench.batch;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.TruncatedCiphertextException;
import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeDecryptor;
import dev.pipeseal.crypto.envelope.MalformedEnvelopeException;
import dev.pipeseal.crypto.envelope.UnknownAlgorithmException;
import dev.pipeseal.crypto.envelope.UnknownKeyReferenceKindException;
import dev.pipeseal.crypto.envelope.UnsupportedEnvelopeVersionException;
import dev.pipeseal.crypto.key.DataKey;
import java.util.Arrays;

/**
 * Decrypts many envelopes v1 per call, into new arrays or straight into caller buffers, including
 * float and double vectors without boxing. A batch either decrypts completely or throws for its
 * first bad value (the message names the value's index); partial output is zeroed, never returned.
 *
 * <p>Thread-safe (it shares an {@link EnvelopeDecryptor}, whose state is per thread).
 */
public final class BatchDecryptor implements AutoCloseable {
  private final EnvelopeDecryptor decryptor;
  private final Scratch scratch = new Scratch();

  private BatchDecryptor(EnvelopeDecryptor decryptor) {
    this.decryptor = decryptor;
  }

  /** A handle reading envelopes under {@code key}; holds its own reference until closed. */
  public static BatchDecryptor create(DataKey key) {
    return new BatchDecryptor(EnvelopeDecryptor.create(key));
  }

  /** Plaintext length of the envelope in {@code in[off, off+len)}, without decrypting. */
  public int plaintextLength(byte[] in, int off, int len, EnvelopeContext context) {
    return decryptor.plaintextLength(in, off, len, context);
  }

  /** Decrypts a column of envelopes into one new column of plaintexts. */
  public ColumnBatch decrypt(ColumnBatch envelopes, EnvelopeContext context) {
    int n = envelopes.count();
    byte[] in = envelopes.data();
    int[] offsets = new int[n + 1];
    long total = 0;
    for (int i = 0; i < n; i++) {
      try {
        total += decryptor.plaintextLength(in, envelopes.offset(i), envelopes.length(i), context);
      } catch (PipesealCryptoException e) {
        throw atIndex(e, i);
      }
      offsets[i + 1] = Math.toIntExact(total);
    }
    byte[] out = new byte[offsets[n]];
    for (int i = 0; i < n; i++) {
      try {
        decryptor.decrypt(in, envelopes.offset(i), envelopes.length(i), context, out, offsets[i]);
      } catch (PipesealCryptoException e) {
        Arrays.fill(out, (byte) 0);
        throw atIndex(e, i);
      }
    }
    return new ColumnBatch(out, offsets);
  }

  /** Decrypts each envelope; null entries stay null. */
  public byte[][] decrypt(byte[][] envelopes, EnvelopeContext context) {
    byte[][] out = new byte[envelopes.length][];
    for (int i = 0; i < envelopes.length; i++) {
      if (envelopes[i] != null) {
        try {
          out[i] = decryptor.decrypt(envelopes[i], context);
        } catch (PipesealCryptoException e) {
          wipe(out);
          throw atIndex(e, i);
        }
      }
    }
    return out;
  }

  /** Decrypts one float vector. */
  public float[] decryptFloats(byte[] envelope, EnvelopeContext context) {
    int bytes = decryptor.plaintextLength(envelope, 0, envelope.length, context);
    float[] out = new float[Floats.elements(bytes, Float.BYTES, context.description())];
    decryptFloats(envelope, 0, envelope.length, context, out, 0);
    return out;
  }

  /**
   * Decrypts one float vector into {@code out} at {@code outOff}; returns the element count. On
   * failure {@code out} is left untouched.
   */
  public int decryptFloats(
      byte[] in, int off, int len, EnvelopeContext context, float[] out, int outOff) {
    int bytes = decryptor.plaintextLength(in, off, len, context);
    int count = Floats.elements(bytes, Float.BYTES, context.description());
    java.util.Objects.checkFromIndexSize(outOff, count, out.length);
    byte[] pt = scratch.get(bytes);
    try {
      decryptor.decrypt(in, off, len, context, pt, 0);
      Floats.get(pt, count, out, outOff);
      return count;
    } finally {
      Scratch.clear(pt, bytes);
    }
  }

  /** Decrypts one double vector. */
  public double[] decryptDoubles(byte[] envelope, EnvelopeContext context) {
    int bytes = decryptor.plaintextLength(envelope, 0, envelope.length, context);
    double[] out = new double[Floats.elements(bytes, Double.BYTES, context.description())];
    decryptDoubles(envelope, 0, envelope.length, context, out, 0);
    return out;
  }

  /** Decrypts one double vector into {@code out} at {@code outOff}; returns the element count. */
  public int decryptDoubles(
      byte[] in, int off, int len, EnvelopeContext context, double[] out, int outOff) {
    int bytes = decryptor.plaintextLength(in, off, len, context);
    int count = Floats.elements(bytes, Double.BYTES, context.description());
    java.util.Objects.checkFromIndexSize(outOff, count, out.length);
    byte[] pt = scratch.get(bytes);
    try {
      decryptor.decrypt(in, off, len, context, pt, 0);
      Floats.get(pt, count, out, outOff);
      return count;
    } finally {
      Scratch.clear(pt, bytes);
    }
  }

  /** Decrypts each float vector; null entries stay null. */
  public float[][] decryptFloats(byte[][] envelopes, EnvelopeContext context) {
    float[][] out = new float[envelopes.length][];
    for (int i = 0; i < envelopes.length; i++) {
      if (envelopes[i] != null) {
        try {
          out[i] = decryptFloats(envelopes[i], context);
        } catch (PipesealCryptoException e) {
          for (float[] v : out) {
            if (v != null) {
              Arrays.fill(v, 0f);
            }
          }
          throw atIndex(e, i);
        }
      }
    }
    return out;
  }

  /** Decrypts each double vector; null entries stay null. */
  public double[][] decryptDoubles(byte[][] envelopes, EnvelopeContext context) {
    double[][] out = new double[envelopes.length][];
    for (int i = 0; i < envelopes.length; i++) {
      if (envelopes[i] != null) {
        try {
          out[i] = decryptDoubles(envelopes[i], context);
        } catch (PipesealCryptoException e) {
          for (double[] v : out) {
            if (v != null) {
              Arrays.fill(v, 0d);
            }
          }
          throw atIndex(e, i);
        }
      }
    }
    return out;
  }

  private static void wipe(byte[][] values) {
    for (byte[] v : values) {
      if (v != null) {
        Arrays.fill(v, (byte) 0);
      }
    }
  }

  /** The same failure, same type, with the value's position in the batch in its message. */
  static PipesealCryptoException atIndex(PipesealCryptoException e, int index) {
    String m = "value " + index + " of batch: " + e.getMessage();
    PipesealCryptoException out;
    if (e instanceof AuthenticationFailedException) {
      out = new AuthenticationFailedException(m);
    } else if (e instanceof TruncatedCiphertextException) {
      out = new TruncatedCiphertextException(m);
    } else if (e instanceof UnsupportedEnvelopeVersionException) {
      out = new UnsupportedEnvelopeVersionException(m);
    } else if (e instanceof UnknownAlgorithmException) {
      out = new UnknownAlgorithmException(m);
    } else if (e instanceof UnknownKeyReferenceKindException) {
      out = new UnknownKeyReferenceKindException(m);
    } else if (e instanceof MalformedEnvelopeException) {
      out = new MalformedEnvelopeException(m);
    } else {
      return e;
    }
    out.initCause(e);
    return out;
  }

  /** Releases the data key reference. */
  @Override
  public void close() {
    decryptor.close();
  }

  @Override
  public String toString() {
    return "BatchDecryptor[v1]";
  }
}
