package dev.pipeseal.spark.task;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.envelope.SubjectEncryptors;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.audit.AuditContext;
import dev.pipeseal.kms.metrics.DataPathMetrics;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.spark.keys.SparkKeyAccess;
import dev.pipeseal.spark.values.ValueType;
import java.math.BigDecimal;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Encrypts the values of one column in one task: {@code tag || value} sealed under the column's
 * data key. One per task (generated code keeps it in a field), not thread-safe. It seals through
 * its own writer stream (own nonce prefix and cipher: no thread-local lookup per row), counting
 * encryptions on the data key in blocks of {@value #PERMITS} so the hot path does no atomic update.
 */
public final class EncryptHandle implements AutoCloseable {
  private static final int PERMITS = 4096;
  private static final int SUBJECT_PERMITS = 64;
  private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

  private final EncryptSpec spec;
  private final ValueType type;
  private final Runnable release;
  private final EnvelopeContext context;
  private final EnvelopeEncryptor.Writer writer;
  private final Scratch scratch;

  /**
   * The plaintext buffer (zeroed after each value); the writers of one task's subjects share one.
   * Not thread-safe.
   */
  static final class Scratch {
    private byte[] buf = new byte[256];

    byte[] get(int len) {
      if (buf.length < len) {
        Arrays.fill(buf, (byte) 0);
        buf = new byte[Math.max(len, 2 * buf.length)];
      }
      return buf;
    }

    void clear() {
      Arrays.fill(buf, (byte) 0);
    }
  }

  private boolean reported;

  private EncryptHandle(EncryptSpec spec, ValueType type, EnvelopeEncryptor encryptor) {
    this.spec = spec;
    this.type = type;
    this.release = encryptor::close;
    this.context = EnvelopeContext.of(spec.context());
    this.writer = encryptor.writer(PERMITS);
    this.scratch = new Scratch();
  }

  private EncryptHandle(
      EncryptSpec spec, ValueType type, SubjectEncryptors.Lease lease, Scratch scratch) {
    this.spec = spec;
    this.type = type;
    this.release = lease::close;
    this.context = EnvelopeContext.of(spec.context());
    // Subjects' writers count in small blocks: a task may hold a hundred thousand of them, and
    // permits a writer never uses only make the key's limit stricter. The stream (with its own
    // cipher, so rows of alternating subjects do not re-key one cipher per value) is usually one
    // an earlier task of this executor gave back.
    this.writer = lease.writer(SUBJECT_PERMITS);
    this.scratch = scratch;
  }

  /** Unwraps the column's data key through this JVM's bridge cache; closed with the task. */
  public static EncryptHandle open(EncryptSpec spec, byte tag) {
    ValueType type = ValueType.ofTag(tag);
    EncryptHandle h;
    try (AuditContext.Scope audit = AuditContext.with("spark:" + spec.context());
        DataKey key = SparkKeyAccess.of(spec.config()).keys().unwrap(spec.key().reference())) {
      h =
          new EncryptHandle(
              spec,
              type,
              EnvelopeEncryptor.create(key, spec.key().algorithm(), spec.key().reference()));
    } catch (KmsException | RegistryException | PipesealCryptoException e) {
      throw fail(spec, "cannot open the data key: " + e.getMessage(), e);
    }
    TaskScope.closeOnCompletion(h);
    return h;
  }

  /**
   * A handle sealing with a subject's lease (its writer stream) and the task's {@code scratch};
   * closing it closes the lease. Not tied to the task: {@link SubjectEncryptHandle} owns it.
   */
  static EncryptHandle forLease(
      EncryptSpec spec, ValueType type, SubjectEncryptors.Lease lease, Scratch scratch) {
    return new EncryptHandle(spec, type, lease, scratch);
  }

  public byte[] encrypt(UTF8String v) {
    int n = v.numBytes();
    byte[] pt = scratch(1 + n);
    v.writeToMemory(pt, Platform.BYTE_ARRAY_OFFSET + 1);
    return seal(pt, 1 + n);
  }

  public byte[] encrypt(byte[] v) {
    byte[] pt = scratch(1 + v.length);
    System.arraycopy(v, 0, pt, 1, v.length);
    return seal(pt, 1 + v.length);
  }

  public byte[] encrypt(boolean v) {
    byte[] pt = scratch(2);
    pt[1] = (byte) (v ? 1 : 0);
    return seal(pt, 2);
  }

  public byte[] encrypt(byte v) {
    byte[] pt = scratch(2);
    pt[1] = v;
    return seal(pt, 2);
  }

  public byte[] encrypt(short v) {
    return sealLong(v, 2);
  }

  /** int, and date (days since the epoch). */
  public byte[] encrypt(int v) {
    return sealLong(v, 4);
  }

  /** bigint, and timestamps (microseconds since the epoch). */
  public byte[] encrypt(long v) {
    return sealLong(v, 8);
  }

  public byte[] encrypt(float v) {
    return sealLong(Float.floatToRawIntBits(v), 4);
  }

  public byte[] encrypt(double v) {
    return sealLong(Double.doubleToRawLongBits(v), 8);
  }

  /** Scale (one signed byte) then the unscaled value, two's complement big-endian. */
  public byte[] encrypt(Decimal v) {
    BigDecimal d = v.toJavaBigDecimal();
    byte[] unscaled = d.unscaledValue().toByteArray();
    byte[] pt = scratch(2 + unscaled.length);
    pt[1] = (byte) d.scale();
    System.arraycopy(unscaled, 0, pt, 2, unscaled.length);
    return seal(pt, 2 + unscaled.length);
  }

  /** array&lt;float&gt; or array&lt;double&gt;: the elements little-endian, no nulls allowed. */
  public byte[] encrypt(ArrayData v) {
    int width = type == ValueType.FLOAT_VECTOR ? 4 : 8;
    int n = v.numElements();
    int bytes = Math.multiplyExact(n, width);
    byte[] pt = scratch(1 + bytes);
    if (LITTLE_ENDIAN && v instanceof UnsafeArrayData u) {
      long header = 8 + ((n + 63L) / 64) * 8;
      for (long w = 8; w < header; w += 8) {
        if (Platform.getLong(u.getBaseObject(), u.getBaseOffset() + w) != 0) {
          throw nullElement();
        }
      }
      Platform.copyMemory(
          u.getBaseObject(), u.getBaseOffset() + header, pt, Platform.BYTE_ARRAY_OFFSET + 1, bytes);
    } else {
      for (int i = 0; i < n; i++) {
        if (v.isNullAt(i)) {
          throw nullElement();
        }
        long bits =
            width == 4
                ? Float.floatToRawIntBits(v.getFloat(i))
                : Double.doubleToRawLongBits(v.getDouble(i));
        for (int b = 0; b < width; b++) {
          pt[1 + i * width + b] = (byte) (bits >>> (8 * b));
        }
      }
    }
    return seal(pt, 1 + bytes);
  }

  /** The interpreted path: {@code v} is Spark's internal representation of the column type. */
  public byte[] encryptObject(Object v) {
    return switch (type) {
      case STRING -> encrypt((UTF8String) v);
      case BINARY -> encrypt((byte[]) v);
      case BOOLEAN -> encrypt((boolean) (Boolean) v);
      case BYTE -> encrypt((byte) (Byte) v);
      case SHORT -> encrypt((short) (Short) v);
      case INT, DATE -> encrypt((int) (Integer) v);
      case LONG, TIMESTAMP, TIMESTAMP_NTZ -> encrypt((long) (Long) v);
      case FLOAT -> encrypt((float) (Float) v);
      case DOUBLE -> encrypt((double) (Double) v);
      case DECIMAL -> encrypt((Decimal) v);
      case FLOAT_VECTOR, DOUBLE_VECTOR -> encrypt((ArrayData) v);
    };
  }

  private byte[] sealLong(long v, int width) {
    byte[] pt = scratch(1 + width);
    for (int i = 0; i < width; i++) {
      pt[1 + i] = (byte) (v >>> (8 * (width - 1 - i)));
    }
    return seal(pt, 1 + width);
  }

  private byte[] scratch(int len) {
    byte[] buf = scratch.get(len);
    buf[0] = type.tag();
    return buf;
  }

  private byte[] seal(byte[] pt, int len) {
    try {
      return writer.encrypt(pt, 0, len, context);
    } catch (PipesealCryptoException e) {
      throw fail(spec, e.getMessage(), e);
    } finally {
      Arrays.fill(pt, 0, len, (byte) 0);
    }
  }

  private PipesealValueException nullElement() {
    return fail(spec, "a vector element is null; vectors are encrypted without nulls", null);
  }

  private static PipesealValueException fail(EncryptSpec spec, String what, Throwable cause) {
    return new PipesealValueException(
        spec.function(), spec.column(), spec.context(), spec.key().masterKey(), what, cause);
  }

  /**
   * Reports the values sealed to {@link DataPathMetrics} (once, when the task ends: nothing per
   * row) and releases the data key.
   */
  @Override
  public void close() {
    try {
      String masterKey = spec.key().masterKey();
      if (masterKey != null && !reported) {
        reported = true;
        DataPathMetrics.addEncrypted(masterKey, writer.sealed());
      }
    } finally {
      release.run();
    }
  }
}
