package dev.pipeseal.kafka.connect.testing;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/** The records {@link CustomerSource} emits, so tests know what must arrive. */
public final class Customers {
  public static final Schema ADDRESS =
      SchemaBuilder.struct()
          .name("dev.pipeseal.test.Address")
          .field("street", Schema.STRING_SCHEMA)
          .field("zip", Schema.INT32_SCHEMA)
          .build();

  public static final Schema SCHEMA =
      SchemaBuilder.struct()
          .name("dev.pipeseal.test.Customer")
          .version(3)
          .field("id", Schema.INT64_SCHEMA)
          .field("ssn", Schema.STRING_SCHEMA)
          .field("age", Schema.INT32_SCHEMA)
          .field("active", Schema.BOOLEAN_SCHEMA)
          .field("photo", Schema.BYTES_SCHEMA)
          .field("balance", Decimal.schema(2))
          .field("note", Schema.OPTIONAL_STRING_SCHEMA)
          .field("address", ADDRESS)
          .build();

  private Customers() {}

  public static String key(int i) {
    return "customer-" + i;
  }

  /** A social security number that appears nowhere else, to search the raw topic for. */
  public static String ssn(int i) {
    return String.format("SSN-%03d-77-%04d", i, 1000 + i);
  }

  public static Struct value(int i) {
    return new Struct(SCHEMA)
        .put("id", (long) i)
        .put("ssn", ssn(i))
        .put("age", 20 + i)
        .put("active", i % 2 == 0)
        .put("photo", ("photo-bytes-" + i).getBytes(StandardCharsets.UTF_8))
        .put("balance", new BigDecimal("1234.5" + i))
        .put("note", i % 2 == 0 ? null : "note " + i)
        .put("address", new Struct(ADDRESS).put("street", "Main St " + i).put("zip", 10000 + i));
  }
}
