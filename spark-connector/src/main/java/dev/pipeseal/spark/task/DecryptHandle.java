package dev.pipeseal.spark.task;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.envelope.EnvelopeReader;
import dev.pipeseal.envelope.UndecryptableValueException;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.metrics.DecryptFailureKind;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.spark.keys.SparkKeyAccess;
import dev.pipeseal.spark.values.ValueType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Decrypts the values of one column in one task: {@link #open} authenticates a value into a scratch
 * buffer and checks its type tag, then one {@code read*} call converts it and wipes the buffer.
 * Strings skip the scratch buffer: each decrypts into a fresh array that becomes the result. Values
 * may reference any data key (inline or registry): the task's own {@link EnvelopeReader} keeps the
 * keys open (each with a reader owned by the task's thread, so no thread-local lookup per row), and
 * consecutive values under the same key skip even the header parse. Not thread-safe.
 */
public final class DecryptHandle implements AutoCloseable {
  private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

  private static final byte[] NONE = new byte[0];

  private final DecryptSpec spec;
  private final EnvelopeContext context;
  private final EnvelopeReader reader;
  // Strings decrypt into a fresh array that becomes the result itself: no copy, nothing to wipe.
  private final boolean fresh;
  private byte[] pt = new byte[256];
  private int ptLen;
  // The value being read, for naming its master key in an error message only.
  private byte[] current;

  private DecryptHandle(DecryptSpec spec) {
    this.spec = spec;
    this.fresh = spec.type() == ValueType.STRING;
    this.context = EnvelopeContext.of(spec.context());
    this.reader =
        new EnvelopeReader(
            SparkKeyAccess.of(spec.config()).keys(),
            spec.config().readerMaxKeys(),
            "spark:" + spec.context());
  }

  /** A handle for one task; closed with the task. */
  public static DecryptHandle open(DecryptSpec spec) {
    DecryptHandle h = new DecryptHandle(spec);
    TaskScope.closeOnCompletion(h);
    return h;
  }

  /**
   * Authenticates {@code envelope} and checks its type. Returns false (try functions only) when it
   * cannot; otherwise throws {@link PipesealValueException}.
   */
  public boolean open(byte[] envelope) {
    current = envelope;
    try {
      // A plaintext is always shorter than its envelope: size by that, skip a header parse.
      if (fresh) {
        pt = new byte[envelope.length];
      } else if (pt.length < envelope.length) {
        Arrays.fill(pt, (byte) 0);
        pt = new byte[Math.max(envelope.length, 2 * pt.length)];
      }
      ptLen = reader.decrypt(envelope, 0, envelope.length, context, pt, 0);
    } catch (UndecryptableValueException ex) {
      Throwable cause = ex.getCause();
      String what = cause.getClass().getSimpleName() + ": " + cause.getMessage();
      if (cause instanceof PipesealCryptoException
          || cause instanceof UnknownKeyException
          || cause instanceof InvalidWrappedKeyException) {
        // The value itself is bad (tampered, moved, unknown key): try_ functions return null.
        return failed(ex.keyName(), what, cause);
      }
      // KMS unavailable, access denied: never a null, even in try_ functions.
      throw new PipesealValueException(
          spec.function(), spec.column(), spec.context(), ex.keyName(), what, cause);
    } catch (RegistryException ex) {
      throw new PipesealValueException(
          spec.function(),
          spec.column(),
          spec.context(),
          null,
          ex.getClass().getSimpleName() + ": " + ex.getMessage(),
          ex);
    }
    return spec.type() == null || checkType();
  }

  private boolean checkType() {
    ValueType want = spec.type();
    ValueType got = ptLen == 0 ? null : ValueType.ofTag(pt[0]);
    if (got != want) {
      wipe();
      return failed(
          "the value was encrypted as "
              + (got == null ? "an untagged payload (use pipeseal_decrypt_binary)" : got.sqlName())
              + ", not "
              + want.sqlName(),
          null);
    }
    int payload = want.payloadBytes();
    boolean sizeOk =
        payload >= 0
            ? ptLen == 1 + payload
            : switch (want) {
              case DECIMAL -> ptLen >= 3;
              case FLOAT_VECTOR -> (ptLen - 1) % 4 == 0;
              case DOUBLE_VECTOR -> (ptLen - 1) % 8 == 0;
              default -> true;
            };
    if (!sizeOk) {
      wipe();
      return failed("malformed " + want.sqlName() + " value (" + (ptLen - 1) + " bytes)", null);
    }
    return true;
  }

  // A value that decrypted but is not what the caller asked for (type, size, decimal range). The
  // reader counted the failures it raised itself; this counts the rest, try_ functions included.
  private boolean failed(String what, Throwable cause) {
    reader.failures().record(DecryptFailureKind.WRONG_TYPE, context.description());
    return failed(spec.tryMode() ? null : keyNameOfCurrent(), what, cause);
  }

  private boolean failed(String keyName, String what, Throwable cause) {
    if (spec.tryMode()) {
      return false;
    }
    throw new PipesealValueException(
        spec.function(), spec.column(), spec.context(), keyName, what, cause);
  }

  // Off the hot path: only a value that decrypted but is not what the caller asked for gets here.
  private String keyNameOfCurrent() {
    try {
      return reader.keyNameFor(current, 0, current.length, context);
    } catch (RuntimeException e) {
      return null;
    }
  }

  public UTF8String readUtf8() {
    if (!fresh) {
      UTF8String s = UTF8String.fromBytes(Arrays.copyOfRange(pt, 1, ptLen));
      wipe();
      return s;
    }
    // The buffer is this row's alone: hand it over (after the tag byte) instead of copying.
    UTF8String s = UTF8String.fromAddress(pt, Platform.BYTE_ARRAY_OFFSET + 1, ptLen - 1);
    pt = NONE;
    ptLen = 0;
    return s;
  }

  public byte[] readBytes() {
    byte[] b = Arrays.copyOfRange(pt, 1, ptLen);
    wipe();
    return b;
  }

  /** The whole plaintext, tag or not: payloads written by other connectors. */
  public byte[] readRaw() {
    byte[] b = Arrays.copyOf(pt, ptLen);
    wipe();
    return b;
  }

  public boolean readBoolean() {
    boolean v = pt[1] != 0;
    wipe();
    return v;
  }

  public byte readByte() {
    byte v = pt[1];
    wipe();
    return v;
  }

  public short readShort() {
    return (short) readBigEndian(2);
  }

  public int readInt() {
    return (int) readBigEndian(4);
  }

  public long readLong() {
    return readBigEndian(8);
  }

  public float readFloat() {
    return Float.intBitsToFloat((int) readBigEndian(4));
  }

  public double readDouble() {
    return Double.longBitsToDouble(readBigEndian(8));
  }

  /** Restores the decimal at the requested precision and scale, failing rather than rounding. */
  public Decimal readDecimal() {
    BigDecimal d = new BigDecimal(new BigInteger(pt, 2, ptLen - 2), pt[1]);
    wipe();
    Decimal out;
    try {
      out = Decimal.apply(d.setScale(spec.scale()));
    } catch (ArithmeticException e) {
      failed("the decimal has more than " + spec.scale() + " fraction digits", null);
      return null;
    }
    if (!out.changePrecision(spec.precision(), spec.scale())) {
      failed(
          "the decimal does not fit decimal(" + spec.precision() + "," + spec.scale() + ")", null);
      return null;
    }
    return out;
  }

  /** array&lt;float&gt; or array&lt;double&gt;, built straight from the little-endian payload. */
  public ArrayData readVector() {
    int width = spec.type() == ValueType.FLOAT_VECTOR ? 4 : 8;
    int n = (ptLen - 1) / width;
    ArrayData out;
    if (LITTLE_ENDIAN) {
      out = UnsafeArrayData.fromPrimitiveArray(pt, Platform.BYTE_ARRAY_OFFSET + 1, n, width);
    } else if (width == 4) {
      float[] f = new float[n];
      for (int i = 0; i < n; i++) {
        f[i] = Float.intBitsToFloat(Integer.reverseBytes(readInt(1 + 4 * i)));
      }
      out = UnsafeArrayData.fromPrimitiveArray(f);
    } else {
      double[] d = new double[n];
      for (int i = 0; i < n; i++) {
        d[i] =
            Double.longBitsToDouble(
                ((long) Integer.reverseBytes(readInt(1 + 8 * i)) & 0xFFFFFFFFL)
                    | ((long) Integer.reverseBytes(readInt(5 + 8 * i)) << 32));
      }
      out = UnsafeArrayData.fromPrimitiveArray(d);
    }
    wipe();
    return out;
  }

  private int readInt(int off) {
    return ((pt[off] & 0xFF) << 24)
        | ((pt[off + 1] & 0xFF) << 16)
        | ((pt[off + 2] & 0xFF) << 8)
        | (pt[off + 3] & 0xFF);
  }

  private long readBigEndian(int width) {
    long v = pt[1]; // sign-extends, so narrower types come back with their sign
    for (int i = 2; i <= width; i++) {
      v = (v << 8) | (pt[i] & 0xFF);
    }
    wipe();
    return v;
  }

  private void wipe() {
    Arrays.fill(pt, 0, ptLen, (byte) 0);
    ptLen = 0;
  }

  @Override
  public void close() {
    wipe();
    current = null;
    reader.close();
  }
}
