package dev.pipeseal.kafka.connect.typed;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Encodes Connect values as {@code tag || payload} (typed-value encoding v1, the table in {@code
 * docs/spark.md}) and back. The tag carries the type, so a schemaless reader gets the original Java
 * type back and a schema-aware reader can check that the schema it expects is the one the value was
 * encrypted as.
 *
 * <p>Connect has no tag for a time of day, structs, maps or arrays other than float/double vectors;
 * those are refused rather than flattened into something a reader could not type.
 */
public final class TypedValues {
  // Tags never change meaning (they are shared with the Spark connector).
  public static final byte STRING = 0x11;
  public static final byte BYTES = 0x12;
  public static final byte BOOLEAN = 0x13;
  public static final byte INT8 = 0x14;
  public static final byte INT16 = 0x15;
  public static final byte INT32 = 0x16;
  public static final byte INT64 = 0x17;
  public static final byte FLOAT32 = 0x18;
  public static final byte FLOAT64 = 0x19;
  public static final byte DECIMAL = 0x1A;
  public static final byte DATE = 0x1B;
  public static final byte TIMESTAMP = 0x1C;
  public static final byte FLOAT_VECTOR = 0x1E;
  public static final byte DOUBLE_VECTOR = 0x1F;

  private static final long MILLIS_PER_DAY = 86_400_000L;

  private TypedValues() {}

  /**
   * The tag that values of {@code schema} are encoded with.
   *
   * @throws UnsupportedTypeException for types without a tag
   */
  public static byte tagOf(Schema schema) {
    String logical = schema.name();
    if (Decimal.LOGICAL_NAME.equals(logical)) {
      return DECIMAL;
    }
    if (org.apache.kafka.connect.data.Date.LOGICAL_NAME.equals(logical)) {
      return DATE;
    }
    if (Timestamp.LOGICAL_NAME.equals(logical)) {
      return TIMESTAMP;
    }
    if (org.apache.kafka.connect.data.Time.LOGICAL_NAME.equals(logical)) {
      throw new UnsupportedTypeException("a time of day (" + logical + ") has no type tag");
    }
    return switch (schema.type()) {
      case STRING -> STRING;
      case BYTES -> BYTES;
      case BOOLEAN -> BOOLEAN;
      case INT8 -> INT8;
      case INT16 -> INT16;
      case INT32 -> INT32;
      case INT64 -> INT64;
      case FLOAT32 -> FLOAT32;
      case FLOAT64 -> FLOAT64;
      case ARRAY -> {
        Schema.Type e = schema.valueSchema().type();
        if (e == Schema.Type.FLOAT32 && schema.valueSchema().name() == null) {
          yield FLOAT_VECTOR;
        }
        if (e == Schema.Type.FLOAT64 && schema.valueSchema().name() == null) {
          yield DOUBLE_VECTOR;
        }
        throw new UnsupportedTypeException(
            "only arrays of float32 or float64 can be encrypted as one value, not of " + e);
      }
      default ->
          throw new UnsupportedTypeException(
              schema.type()
                  + " cannot be encrypted as one value; encrypt its leaf fields instead"
                  + " (e.g. /address/street), or the whole record with EncryptingConverter");
    };
  }

  /** The tag of a schemaless value, from its Java type. */
  public static byte tagOf(Object value) {
    if (value instanceof String) {
      return STRING;
    }
    if (value instanceof byte[] || value instanceof ByteBuffer) {
      return BYTES;
    }
    if (value instanceof Boolean) {
      return BOOLEAN;
    }
    if (value instanceof Byte) {
      return INT8;
    }
    if (value instanceof Short) {
      return INT16;
    }
    if (value instanceof Integer) {
      return INT32;
    }
    if (value instanceof Long) {
      return INT64;
    }
    if (value instanceof Float) {
      return FLOAT32;
    }
    if (value instanceof Double) {
      return FLOAT64;
    }
    if (value instanceof BigDecimal) {
      return DECIMAL;
    }
    if (value instanceof Date) {
      return TIMESTAMP;
    }
    throw new UnsupportedTypeException(
        "a schemaless " + value.getClass().getSimpleName() + " cannot be encrypted as one value");
  }

  /** Encodes a non-null value of {@code schema} (null schema: schemaless, typed by its class). */
  public static byte[] encode(Schema schema, Object value) {
    byte tag = schema == null ? tagOf(value) : tagOf(schema);
    try {
      return switch (tag) {
        case STRING -> prefixed(tag, ((String) value).getBytes(StandardCharsets.UTF_8));
        case BYTES -> prefixed(tag, bytes(value));
        case BOOLEAN -> new byte[] {tag, (byte) (((Boolean) value) ? 1 : 0)};
        case INT8 -> new byte[] {tag, (Byte) value};
        case INT16 -> ByteBuffer.allocate(3).put(tag).putShort((Short) value).array();
        case INT32 -> ByteBuffer.allocate(5).put(tag).putInt((Integer) value).array();
        case INT64 -> ByteBuffer.allocate(9).put(tag).putLong((Long) value).array();
        case FLOAT32 -> ByteBuffer.allocate(5).put(tag).putFloat((Float) value).array();
        case FLOAT64 -> ByteBuffer.allocate(9).put(tag).putDouble((Double) value).array();
        case DECIMAL -> decimal((BigDecimal) value);
        case DATE -> {
          long millis = ((Date) value).getTime();
          yield ByteBuffer.allocate(5)
              .put(tag)
              .putInt(Math.toIntExact(Math.floorDiv(millis, MILLIS_PER_DAY)))
              .array();
        }
        case TIMESTAMP ->
            ByteBuffer.allocate(9)
                .put(tag)
                .putLong(Math.multiplyExact(((Date) value).getTime(), 1000L))
                .array();
        case FLOAT_VECTOR -> vector(tag, (List<?>) value, 4);
        case DOUBLE_VECTOR -> vector(tag, (List<?>) value, 8);
        default -> throw new UnsupportedTypeException("no encoding for tag " + hex(tag));
      };
    } catch (ClassCastException | NullPointerException | ArithmeticException e) {
      // The message names types only: the value itself may be secret.
      throw new UnsupportedTypeException(
          "a " + value.getClass().getSimpleName() + " does not fit the type tag " + hex(tag));
    }
  }

  /**
   * Decodes {@code plain}. With a schema, the tag must be the one that schema encodes with; without
   * one (schemaless records), the tag alone picks the Java type.
   */
  public static Object decode(byte[] plain, Schema expected) {
    if (plain.length == 0) {
      throw new UnsupportedTypeException("the decrypted value is empty (no type tag)");
    }
    byte tag = plain[0];
    if (expected != null && tagOf(expected) != tag) {
      throw new UnsupportedTypeException(
          "the value was encrypted as type tag "
              + hex(tag)
              + ", the schema expects "
              + hex(tagOf(expected)));
    }
    ByteBuffer b = ByteBuffer.wrap(plain, 1, plain.length - 1);
    int n = plain.length - 1;
    return switch (tag) {
      case STRING -> new String(plain, 1, n, StandardCharsets.UTF_8);
      case BYTES -> java.util.Arrays.copyOfRange(plain, 1, plain.length);
      case BOOLEAN -> {
        exact(tag, n, 1);
        yield plain[1] != 0;
      }
      case INT8 -> {
        exact(tag, n, 1);
        yield plain[1];
      }
      case INT16 -> {
        exact(tag, n, 2);
        yield b.getShort();
      }
      case INT32 -> {
        exact(tag, n, 4);
        yield b.getInt();
      }
      case INT64 -> {
        exact(tag, n, 8);
        yield b.getLong();
      }
      case FLOAT32 -> {
        exact(tag, n, 4);
        yield b.getFloat();
      }
      case FLOAT64 -> {
        exact(tag, n, 8);
        yield b.getDouble();
      }
      case DECIMAL -> {
        if (n < 2) {
          throw new UnsupportedTypeException("a decimal needs a scale and at least one byte");
        }
        int scale = plain[1];
        BigDecimal d =
            new BigDecimal(
                new BigInteger(java.util.Arrays.copyOfRange(plain, 2, plain.length)), scale);
        if (expected != null) {
          int want = Integer.parseInt(expected.parameters().get(Decimal.SCALE_FIELD));
          if (want != scale) {
            throw new UnsupportedTypeException(
                "the decimal was encrypted with scale " + scale + ", the schema has " + want);
          }
        }
        yield d;
      }
      case DATE -> {
        exact(tag, n, 4);
        yield new Date(b.getInt() * MILLIS_PER_DAY);
      }
      case TIMESTAMP -> {
        exact(tag, n, 8);
        // Spark writes microseconds; Connect timestamps are milliseconds.
        yield new Date(Math.floorDiv(b.getLong(), 1000L));
      }
      case FLOAT_VECTOR -> {
        if (n % 4 != 0) {
          throw new UnsupportedTypeException("a float vector's length is not a multiple of 4");
        }
        b.order(ByteOrder.LITTLE_ENDIAN);
        List<Float> out = new ArrayList<>(n / 4);
        for (int i = 0; i < n / 4; i++) {
          out.add(b.getFloat());
        }
        yield out;
      }
      case DOUBLE_VECTOR -> {
        if (n % 8 != 0) {
          throw new UnsupportedTypeException("a double vector's length is not a multiple of 8");
        }
        b.order(ByteOrder.LITTLE_ENDIAN);
        List<Double> out = new ArrayList<>(n / 8);
        for (int i = 0; i < n / 8; i++) {
          out.add(b.getDouble());
        }
        yield out;
      }
      default -> throw new UnsupportedTypeException("unknown type tag " + hex(tag));
    };
  }

  private static void exact(byte tag, int n, int want) {
    if (n != want) {
      throw new UnsupportedTypeException(
          "type tag " + hex(tag) + " needs " + want + " bytes of value, found " + n);
    }
  }

  private static byte[] bytes(Object value) {
    if (value instanceof byte[] a) {
      return a;
    }
    ByteBuffer b = ((ByteBuffer) value).duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private static byte[] prefixed(byte tag, byte[] payload) {
    byte[] out = new byte[payload.length + 1];
    out[0] = tag;
    System.arraycopy(payload, 0, out, 1, payload.length);
    return out;
  }

  private static byte[] decimal(BigDecimal d) {
    if (d.scale() < Byte.MIN_VALUE || d.scale() > Byte.MAX_VALUE) {
      throw new UnsupportedTypeException("a decimal scale must fit one signed byte");
    }
    byte[] unscaled = d.unscaledValue().toByteArray();
    byte[] out = new byte[unscaled.length + 2];
    out[0] = DECIMAL;
    out[1] = (byte) d.scale();
    System.arraycopy(unscaled, 0, out, 2, unscaled.length);
    return out;
  }

  private static byte[] vector(byte tag, List<?> values, int width) {
    ByteBuffer b = ByteBuffer.allocate(1 + values.size() * width);
    b.put(tag);
    b.order(ByteOrder.LITTLE_ENDIAN);
    for (Object v : values) {
      if (width == 4) {
        b.putFloat((Float) v);
      } else {
        b.putDouble((Double) v);
      }
    }
    return b.array();
  }

  private static String hex(byte tag) {
    return String.format("0x%02X", tag & 0xff);
  }
}
