package dev.pipeseal.parquet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Small test tables written and read with plain parquet-java: PII strings, a struct, a map and a
 * 768-float embedding (a standard three-level list).
 */
public final class Rows {
  public static final int DIM = 768;

  public static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          """
          message row {
            required int64 id;
            optional binary ssn (STRING);
            optional binary email (STRING);
            optional group address {
              optional binary street (STRING);
              optional binary zip (STRING);
            }
            optional group embedding (LIST) {
              repeated group list {
                optional float element;
              }
            }
            optional group tags (MAP) {
              repeated group key_value {
                required binary key (STRING);
                optional binary value (STRING);
              }
            }
            optional binary note (STRING);
          }
          """);

  private Rows() {}

  public static String ssn(long i) {
    return String.format("%03d-%02d-%04d", i % 1000, i % 100, i % 10000);
  }

  public static float component(long i, int d) {
    return (float) (i * 0.001 + d);
  }

  /** Writes {@code n} rows; the crypto factory and policy come from {@code conf}. */
  public static void write(Configuration conf, Path file, int n) {
    SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(file)
            .withConf(conf)
            .withType(SCHEMA)
            .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
            .build()) {
      for (long i = 0; i < n; i++) {
        Group g =
            f.newGroup().append("id", i).append("ssn", ssn(i)).append("email", "u" + i + "@x");
        Group a = g.addGroup("address");
        a.append("street", i + " Main St").append("zip", "9" + i);
        Group list = g.addGroup("embedding");
        for (int d = 0; d < DIM; d++) {
          list.addGroup("list").append("element", component(i, d));
        }
        Group kv = g.addGroup("tags").addGroup("key_value");
        kv.append("key", "k").append("value", "v" + i);
        g.append("note", "note " + i);
        w.write(g);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads every row; {@code projection} (a schema string) may limit the columns. */
  public static List<Group> read(Configuration conf, Path file, String projection) {
    Configuration c = new Configuration(conf);
    if (projection != null) {
      c.set("parquet.read.schema", projection);
    }
    List<Group> out = new ArrayList<>();
    try (ParquetReader<Group> r =
        ParquetReader.builder(new GroupReadSupport(), file).withConf(c).build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        out.add(g);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Checks every column of every row. */
  public static void verify(List<Group> rows, int n) {
    if (rows.size() != n) {
      throw new AssertionError("expected " + n + " rows, got " + rows.size());
    }
    for (int i = 0; i < n; i++) {
      Group g = rows.get(i);
      check(g.getLong("id", 0) == i, "id", i);
      check(g.getString("ssn", 0).equals(ssn(i)), "ssn", i);
      check(g.getString("email", 0).equals("u" + i + "@x"), "email", i);
      check(g.getGroup("address", 0).getString("zip", 0).equals("9" + i), "zip", i);
      Group list = g.getGroup("embedding", 0);
      check(list.getFieldRepetitionCount("list") == DIM, "embedding size", i);
      for (int d = 0; d < DIM; d += 97) {
        check(list.getGroup("list", d).getFloat("element", 0) == component(i, d), "embedding", i);
      }
      check(
          g.getGroup("tags", 0).getGroup("key_value", 0).getString("value", 0).equals("v" + i),
          "tags",
          i);
      check(g.getString("note", 0).equals("note " + i), "note", i);
    }
  }

  private static void check(boolean ok, String what, int row) {
    if (!ok) {
      throw new AssertionError(what + " differs in row " + row);
    }
  }

  /** Hadoop configuration holding {@code props}. */
  public static Configuration conf(Map<String, String> props) {
    Configuration c = new Configuration();
    props.forEach(c::set);
    return c;
  }
}
