package dev.pipeseal.spark.task;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeDecryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.audit.AuditContext;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.spark.keys.KeyServices;
import dev.pipeseal.spark.values.ValueType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Decrypts the values of one column in one task: {@link #open} authenticates a value into a scratch
 * buffer and checks its type tag, then one {@code read*} call converts it and wipes the buffer.
 * Strings skip the scratch buffer: each decrypts into a fresh array that becomes the result. Values
 * may reference any data key (inline or registry); decryptors (each with the task's own reader, so
 * no thread-local lookup per row) are kept per key reference, and consecutive values under the same
 * key skip even the header parse. Not thread-safe.
 */
public final class DecryptHandle implements AutoCloseable {
  private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

  private record Entry(
      EnvelopeDecryptor decryptor, EnvelopeDecryptor.Reader reader, String keyName) {}

  private static final byte[] NONE = new byte[0];

  private final DecryptSpec spec;
  private final EnvelopeContext context;
  private final EnvelopeKeys keys;
  private final Map<KeyReference, Entry> open = new LinkedHashMap<>(16, 0.75f, true);
  private byte[] lastRef;
  private Entry last;
  // Strings decrypt into a fresh array that becomes the result itself: no copy, nothing to wipe.
  private final boolean fresh;
  private byte[] pt = new byte[256];
  private int ptLen;
  private String keyName;

  private DecryptHandle(DecryptSpec spec) {
    this.spec = spec;
    this.fresh = spec.type() == ValueType.STRING;
    this.context = EnvelopeContext.of(spec.context());
    this.keys = KeyServices.of(spec.config()).keys();
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
    keyName = null;
    try {
      Entry e = entryFor(envelope);
      keyName = e.keyName();
      // A plaintext is always shorter than its envelope: size by that, skip a header parse.
      if (fresh) {
        pt = new byte[envelope.length];
      } else if (pt.length < envelope.length) {
        Arrays.fill(pt, (byte) 0);
        pt = new byte[Math.max(envelope.length, 2 * pt.length)];
      }
      ptLen = e.reader().decrypt(envelope, 0, envelope.length, context, pt, 0);
    } catch (PipesealCryptoException | UnknownKeyException | InvalidWrappedKeyException ex) {
      // The value itself is bad (tampered, moved, unknown key): try_ functions return null.
      return failed(ex.getClass().getSimpleName() + ": " + ex.getMessage(), ex);
    } catch (KmsException | RegistryException ex) {
      // KMS or registry unavailable, access denied: never a null, even in try_ functions.
      throw new PipesealValueException(
          spec.function(),
          spec.column(),
          spec.context(),
          keyName,
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

  private boolean failed(String what, Throwable cause) {
    if (spec.tryMode()) {
      return false;
    }
    throw new PipesealValueException(
        spec.function(), spec.column(), spec.context(), keyName, what, cause);
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

  private Entry entryFor(byte[] envelope) {
    // Bytes 2.. of the header are the key reference (kind, length, bytes); compare them first.
    if (last != null
        && envelope.length >= 2 + lastRef.length
        && Arrays.equals(envelope, 2, 2 + lastRef.length, lastRef, 0, lastRef.length)) {
      return last;
    }
    KeyReference ref = Envelope.parseHeader(envelope, 0, envelope.length, context).keyReference();
    Entry e = open.get(ref);
    if (e == null) {
      WrappedKey wrapped = keys.wrappedKey(ref);
      keyName = wrapped.masterKeyName();
      try (AuditContext.Scope audit = AuditContext.with("spark:" + spec.context());
          DataKey key = KmsCalls.await(keys.kms().unwrap(wrapped))) {
        EnvelopeDecryptor d = EnvelopeDecryptor.create(key);
        e = new Entry(d, d.reader(), keyName);
      }
      open.put(ref, e);
      evict();
    }
    int n = ref.length();
    int varint = n < 128 ? 1 : n < 16384 ? 2 : 3;
    lastRef = Arrays.copyOfRange(envelope, 2, 3 + varint + n);
    last = e;
    return e;
  }

  private void evict() {
    Iterator<Entry> it = open.values().iterator();
    while (open.size() > spec.config().readerMaxKeys() && it.hasNext()) {
      Entry eldest = it.next();
      it.remove();
      if (eldest == last) {
        last = null;
      }
      eldest.decryptor().close();
    }
  }

  @Override
  public void close() {
    wipe();
    for (Entry e : open.values()) {
      e.decryptor().close();
    }
    open.clear();
    last = null;
  }
}
