package dev.pipeseal.spark.values;

import java.util.Locale;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;

/**
 * Types a Spark value can be encrypted as, with their tags. A tag byte is {@code 0x10 | id}: the
 * high nibble is the encoding version (1), the low nibble the type. Tags never change meaning; a
 * new type or layout gets a new tag or version nibble.
 */
public enum ValueType {
  STRING(0x11, -1, "string"),
  BINARY(0x12, -1, "binary"),
  BOOLEAN(0x13, 1, "boolean"),
  BYTE(0x14, 1, "tinyint"),
  SHORT(0x15, 2, "smallint"),
  INT(0x16, 4, "int"),
  LONG(0x17, 8, "bigint"),
  FLOAT(0x18, 4, "float"),
  DOUBLE(0x19, 8, "double"),
  DECIMAL(0x1A, -1, "decimal"),
  DATE(0x1B, 4, "date"),
  TIMESTAMP(0x1C, 8, "timestamp"),
  TIMESTAMP_NTZ(0x1D, 8, "timestamp_ntz"),
  FLOAT_VECTOR(0x1E, -1, "array<float>"),
  DOUBLE_VECTOR(0x1F, -1, "array<double>");

  /** Bytes of the tag. */
  public static final int TAG_BYTES = 1;

  private final byte tag;
  private final int payloadBytes;
  private final String sqlName;

  ValueType(int tag, int payloadBytes, String sqlName) {
    this.tag = (byte) tag;
    this.payloadBytes = payloadBytes;
    this.sqlName = sqlName;
  }

  public byte tag() {
    return tag;
  }

  /** Fixed payload size after the tag, or -1 for variable-length types. */
  public int payloadBytes() {
    return payloadBytes;
  }

  public String sqlName() {
    return sqlName;
  }

  /** The type a tag names, or null for an unknown tag. */
  public static ValueType ofTag(byte tag) {
    int id = tag & 0xFF;
    if ((id & 0xF0) != 0x10 || id == 0x10) {
      return null;
    }
    return values()[id - 0x11];
  }

  /** The type a Spark column of {@code type} is encrypted as, or null if unsupported. */
  public static ValueType of(DataType type) {
    if (type instanceof DecimalType) {
      return DECIMAL;
    }
    if (type instanceof ArrayType a) {
      if (a.elementType().equals(DataTypes.FloatType)) {
        return FLOAT_VECTOR;
      }
      if (a.elementType().equals(DataTypes.DoubleType)) {
        return DOUBLE_VECTOR;
      }
      return null;
    }
    String name = type.typeName().toLowerCase(Locale.ROOT);
    return switch (name) {
      case "string" -> STRING;
      case "binary" -> BINARY;
      case "boolean" -> BOOLEAN;
      case "byte" -> BYTE;
      case "short" -> SHORT;
      case "integer" -> INT;
      case "long" -> LONG;
      case "float" -> FLOAT;
      case "double" -> DOUBLE;
      case "date" -> DATE;
      case "timestamp" -> TIMESTAMP;
      case "timestamp_ntz" -> TIMESTAMP_NTZ;
      default -> null;
    };
  }

  /** The Spark type values of this type decrypt to ({@code decimal} needs its own precision). */
  public DataType sparkType() {
    return switch (this) {
      case STRING -> DataTypes.StringType;
      case BINARY -> DataTypes.BinaryType;
      case BOOLEAN -> DataTypes.BooleanType;
      case BYTE -> DataTypes.ByteType;
      case SHORT -> DataTypes.ShortType;
      case INT -> DataTypes.IntegerType;
      case LONG -> DataTypes.LongType;
      case FLOAT -> DataTypes.FloatType;
      case DOUBLE -> DataTypes.DoubleType;
      case DECIMAL -> DataTypes.createDecimalType(38, 18);
      case DATE -> DataTypes.DateType;
      case TIMESTAMP -> DataTypes.TimestampType;
      case TIMESTAMP_NTZ -> DataTypes.TimestampNTZType;
      case FLOAT_VECTOR -> DataTypes.createArrayType(DataTypes.FloatType, false);
      case DOUBLE_VECTOR -> DataTypes.createArrayType(DataTypes.DoubleType, false);
    };
  }
}
