package dev.pipeseal.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.spark.config.PipesealSparkConfig;
import dev.pipeseal.spark.keys.SparkKeyAccess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tampered, moved, unknown-key and wrongly typed values fail the query with a message naming the
 * function, column, context and master key; only the try_ functions return null. Also: values
 * written by another connector (a Kafka-style inline-key payload) decrypt here.
 */
class ErrorsTest {
  @TempDir static Path dir;
  static SparkSession spark;
  static Map<String, String> conf;

  @BeforeAll
  static void start() throws Exception {
    conf = TestSpark.localKeyStore(dir, "pii");
    spark = TestSpark.start(conf);
    spark
        .sql("SELECT pipeseal_encrypt(CAST(id AS STRING), 'pii', 'ssn') AS ssn FROM range(3)")
        .createOrReplaceTempView("enc");
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  private static Dataset<Row> binaryColumn(String name, List<byte[]> values) {
    StructType schema = new StructType().add(name, DataTypes.BinaryType);
    List<Row> rows = values.stream().map(v -> RowFactory.create((Object) v)).toList();
    return spark.createDataFrame(rows, schema);
  }

  private static List<byte[]> ciphertexts() {
    return spark.sql("SELECT ssn FROM enc").collectAsList().stream()
        .map(r -> (byte[]) r.get(0))
        .toList();
  }

  private static String failure(Dataset<Row> df) {
    Throwable t = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, df::collectAsList);
    StringBuilder all = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      all.append(c.getMessage()).append('\n');
    }
    return all.toString();
  }

  @Test
  void tamperedValueFailsNamingFunctionColumnContextAndKey() {
    byte[] bad = ciphertexts().get(0).clone();
    bad[bad.length - 1] ^= 1;
    binaryColumn("ssn", List.of(bad)).createOrReplaceTempView("tampered");
    String m = failure(spark.sql("SELECT pipeseal_decrypt(ssn) FROM tampered"));
    assertThat(m)
        .contains("pipeseal_decrypt failed for column 'ssn' (context 'ssn', master key 'pii')")
        .contains("AuthenticationFailedException");
    assertThat(spark.sql("SELECT try_pipeseal_decrypt(ssn) FROM tampered").first().isNullAt(0))
        .isTrue();
  }

  @Test
  void valueMovedToAnotherColumnFails() {
    spark.sql("SELECT ssn AS email FROM enc").createOrReplaceTempView("moved");
    String m = failure(spark.sql("SELECT pipeseal_decrypt(email) FROM moved"));
    assertThat(m).contains("column 'email' (context 'email', master key 'pii')");
    assertThat(spark.sql("SELECT count(try_pipeseal_decrypt(email)) FROM moved").first().getLong(0))
        .isZero();
  }

  @Test
  void unknownRegistryIdFailsAndUnknownMasterKeyFailsAtAnalysis() {
    byte[] v = ciphertexts().get(0).clone();
    // Header: version, algorithm, kind 0x02, length 8, then the 8-byte registry id.
    v[4] ^= (byte) 0xFF;
    binaryColumn("ssn", List.of(v)).createOrReplaceTempView("unknown_id");
    String m = failure(spark.sql("SELECT pipeseal_decrypt(ssn) FROM unknown_id"));
    assertThat(m).contains("pipeseal_decrypt failed for column 'ssn'").contains("key registry");
    assertThatThrownBy(() -> spark.sql("SELECT pipeseal_encrypt(ssn, 'no-such-key') FROM enc"))
        .hasMessageContaining("pipeseal_encrypt cannot get a data key of master key 'no-such-key'");
  }

  @Test
  void wrongTypeFailsAndTryReturnsNull() {
    spark.sql("SELECT pipeseal_encrypt(42, 'pii', 'n') AS n").createOrReplaceTempView("num");
    String m = failure(spark.sql("SELECT pipeseal_decrypt(n, 'string', 'n') FROM num"));
    assertThat(m).contains("the value was encrypted as int, not string");
    assertThat(spark.sql("SELECT pipeseal_decrypt(n, 'int', 'n') FROM num").first().getInt(0))
        .isEqualTo(42);
    assertThat(
            spark.sql("SELECT try_pipeseal_decrypt(n, 'date', 'n') FROM num").first().isNullAt(0))
        .isTrue();
  }

  @Test
  void garbageIsNotSilentlyNull() {
    binaryColumn("g", List.of(new byte[] {1, 2, 3}, new byte[0]))
        .createOrReplaceTempView("garbage");
    assertThat(failure(spark.sql("SELECT pipeseal_decrypt(g, 'string', 'g') FROM garbage")))
        .contains("pipeseal_decrypt failed for column 'g'");
    assertThat(spark.sql("SELECT count(try_pipeseal_decrypt(g)) FROM garbage").first().getLong(0))
        .isZero();
  }

  @Test
  void kafkaStylePayloadWithInlineKeyDecryptsAsBinary() {
    SparkKeyAccess services = SparkKeyAccess.of(PipesealSparkConfig.parse(conf));
    byte[] payload = "{\"order\":1}".getBytes(StandardCharsets.UTF_8);
    byte[] envelope;
    try (DataKeyPair pair = services.keys().generate("pii")) {
      KeyReference ref = services.keys().inlineReference(pair.wrapped());
      try (EnvelopeEncryptor enc =
          EnvelopeEncryptor.create(pair.plaintext(), Algorithm.XAES_256_GCM, ref)) {
        envelope = enc.encrypt(payload, EnvelopeContext.of("orders"));
      }
    }
    binaryColumn("value", List.of(envelope)).createOrReplaceTempView("kafka");
    Row r =
        spark
            .sql(
                "SELECT pipeseal_decrypt_binary(value, 'orders'),"
                    + " try_pipeseal_decrypt(value, 'string', 'orders') FROM kafka")
            .first();
    assertThat((byte[]) r.get(0)).isEqualTo(payload);
    assertThat(r.isNullAt(1)).isTrue(); // untagged: not a typed Spark value
    assertThat(failure(spark.sql("SELECT pipeseal_decrypt_binary(value, 'other') FROM kafka")))
        .contains("context 'other', master key 'pii'");
  }
}
