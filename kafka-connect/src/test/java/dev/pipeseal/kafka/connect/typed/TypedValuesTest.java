package dev.pipeseal.kafka.connect.typed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

/** Pins the encoding to the Spark connector's typed-value table (docs/spark.md). */
class TypedValuesTest {
  private static String hex(Schema s, Object v) {
    return HexFormat.of().formatHex(TypedValues.encode(s, v));
  }

  @Test
  void encodesAsTheSparkTableSays() {
    assertThat(hex(Schema.STRING_SCHEMA, "hé")).isEqualTo("1168c3a9");
    assertThat(hex(Schema.BYTES_SCHEMA, new byte[] {1, 2})).isEqualTo("120102");
    assertThat(hex(Schema.BOOLEAN_SCHEMA, true)).isEqualTo("1301");
    assertThat(hex(Schema.INT8_SCHEMA, (byte) -1)).isEqualTo("14ff");
    assertThat(hex(Schema.INT16_SCHEMA, (short) 258)).isEqualTo("150102");
    assertThat(hex(Schema.INT32_SCHEMA, 42)).isEqualTo("160000002a");
    assertThat(hex(Schema.INT64_SCHEMA, -2L)).isEqualTo("17fffffffffffffffe");
    assertThat(hex(Schema.FLOAT32_SCHEMA, 1.0f)).isEqualTo("183f800000");
    assertThat(hex(Schema.FLOAT64_SCHEMA, 1.0d)).isEqualTo("193ff0000000000000");
    assertThat(hex(Decimal.schema(2), new BigDecimal("-1.29"))).isEqualTo("1a02ff7f");
    assertThat(hex(org.apache.kafka.connect.data.Date.SCHEMA, new Date(2 * 86_400_000L)))
        .isEqualTo("1b00000002");
    assertThat(hex(Timestamp.SCHEMA, new Date(1))).isEqualTo("1c00000000000003e8");
    assertThat(hex(SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build(), List.of(1.0f)))
        .isEqualTo("1e0000803f");
  }

  @Test
  void decodesToTheOriginalJavaTypesWithOrWithoutASchema() {
    Object[][] cases = {
      {Schema.STRING_SCHEMA, "x"},
      {Schema.BOOLEAN_SCHEMA, false},
      {Schema.INT8_SCHEMA, (byte) 7},
      {Schema.INT16_SCHEMA, (short) -7},
      {Schema.INT32_SCHEMA, 123456},
      {Schema.INT64_SCHEMA, 1L << 40},
      {Schema.FLOAT32_SCHEMA, 2.5f},
      {Schema.FLOAT64_SCHEMA, -0.25d},
      {Decimal.schema(3), new BigDecimal("12345.678")},
      {Timestamp.SCHEMA, new Date(1_700_000_000_123L)},
      {SchemaBuilder.array(Schema.FLOAT64_SCHEMA).build(), List.of(1.5d, -2d)},
    };
    for (Object[] c : cases) {
      Schema s = (Schema) c[0];
      byte[] enc = TypedValues.encode(s, c[1]);
      assertThat(TypedValues.decode(enc, s)).isEqualTo(c[1]);
      assertThat(TypedValues.decode(enc, null)).isEqualTo(c[1]);
    }
    assertThat((byte[]) TypedValues.decode(TypedValues.encode(null, new byte[] {9}), null))
        .containsExactly(9);
  }

  @Test
  void refusesATypeMismatchAndTypesWithoutATag() {
    byte[] anInt = TypedValues.encode(Schema.INT32_SCHEMA, 5);
    assertThatThrownBy(() -> TypedValues.decode(anInt, Schema.STRING_SCHEMA))
        .isInstanceOf(UnsupportedTypeException.class)
        .hasMessageContaining("0x16")
        .hasMessageContaining("0x11");
    assertThatThrownBy(() -> TypedValues.decode(new byte[] {0x16, 1}, Schema.INT32_SCHEMA))
        .isInstanceOf(UnsupportedTypeException.class);
    assertThatThrownBy(() -> TypedValues.encode(SchemaBuilder.struct().build(), null))
        .hasMessageContaining("STRUCT")
        .hasMessageContaining("leaf fields");
    assertThatThrownBy(() -> TypedValues.encode(Schema.INT32_SCHEMA, "secret-value"))
        .isInstanceOf(UnsupportedTypeException.class)
        .message()
        .doesNotContain("secret-value");
  }
}
