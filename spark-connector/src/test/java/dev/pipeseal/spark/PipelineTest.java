package dev.pipeseal.spark;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kms.bridge.SharedKmsBridges;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DataFrame API and whole pipelines: policies, deterministic joins and grouping (stable across
 * driver restarts), 1M rows over several partitions and a shuffle, caching, Structured Streaming.
 */
class PipelineTest {
  @TempDir static Path dir;
  static SparkSession spark;

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> conf = TestSpark.localKeyStore(dir, "pii", "ids");
    spark = TestSpark.start(conf);
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  @Test
  void policyEncryptsAndDecryptsColumnsInPlace() {
    Dataset<Row> users =
        spark.sql(
            "SELECT id, concat('user', id) AS email, CAST(id * 3 AS INT) AS age FROM range(100)");
    Dataset<Row> enc =
        Pipeseal.encryptColumns(
            users, Map.of("email", "pii", "age", "pii", "id", "ids"), Set.of("id"));
    assertThat(enc.schema().apply("email").dataType()).isEqualTo(DataTypes.BinaryType);
    Dataset<Row> back =
        Pipeseal.decryptColumns(enc, Map.of("email", "string", "age", "int", "id", "bigint"));
    assertThat(back.exceptAll(users).count()).isZero();
    assertThat(back.count()).isEqualTo(100);
    Row one =
        enc.select(Pipeseal.decrypt(col("email"), "string"), Pipeseal.decrypt(col("age"), "int"))
            .where(Pipeseal.decrypt(col("email"), "string").equalTo("user7"))
            .first();
    assertThat(one.getInt(1)).isEqualTo(21);
  }

  @Test
  void deterministicColumnsJoinAndGroupWhileEncrypted() {
    spark
        .sql(
            "SELECT pipeseal_encrypt_deterministic(CAST(id % 10 AS STRING), 'ids', 'customer') AS"
                + " customer, id AS amount FROM range(1000)")
        .repartition(4)
        .createOrReplaceTempView("orders");
    spark
        .sql(
            "SELECT pipeseal_encrypt_deterministic(CAST(id AS STRING), 'ids', 'customer') AS"
                + " customer, concat('name', id) AS name FROM range(10)")
        .createOrReplaceTempView("customers");
    List<Row> joined =
        spark
            .sql(
                "SELECT c.name, count(*), sum(o.amount) FROM orders o JOIN customers c"
                    + " ON o.customer = c.customer GROUP BY c.name ORDER BY c.name")
            .collectAsList();
    assertThat(joined).hasSize(10);
    assertThat(joined.get(0).getString(0)).isEqualTo("name0");
    assertThat(joined.get(0).getLong(1)).isEqualTo(100);
    assertThat(
            spark
                .sql(
                    "SELECT count(DISTINCT customer), count(DISTINCT"
                        + " pipeseal_decrypt(customer, 'string', 'customer')) FROM orders")
                .first())
        .isEqualTo(org.apache.spark.sql.RowFactory.create(10L, 10L));
  }

  @Test
  void deterministicCiphertextIsStableAcrossDriverRestarts() {
    String q = "SELECT pipeseal_encrypt_deterministic('alice', 'ids', 'name')";
    byte[] first = (byte[]) spark.sql(q).first().get(0);
    // A new driver: no cached keys, no open bridge; it must find the same key via the registry.
    SharedKmsBridges.closeAll();
    byte[] second = (byte[]) spark.sql(q).first().get(0);
    assertThat(second).isEqualTo(first);
    byte[] randomized1 =
        (byte[]) spark.sql("SELECT pipeseal_encrypt('alice', 'ids', 'name')").first().get(0);
    byte[] randomized2 =
        (byte[]) spark.sql("SELECT pipeseal_encrypt('alice', 'ids', 'name')").first().get(0);
    assertThat(randomized1).isNotEqualTo(randomized2);
  }

  @Test
  void millionRowsRoundTripAcrossPartitionsAndAShuffle() {
    Dataset<Row> enc =
        spark
            .range(0, 1_000_000, 1, 6)
            .selectExpr("id", "concat('value-', id) AS v")
            .selectExpr("id", "v", "pipeseal_encrypt(v, 'pii') AS e")
            .repartition(5);
    Row r =
        enc.selectExpr(
                "count(*)", "count_if(pipeseal_decrypt(e, 'string', 'v') = v)", "count(DISTINCT e)")
            .first();
    assertThat(r.getLong(0)).isEqualTo(1_000_000L);
    assertThat(r.getLong(1)).isEqualTo(1_000_000L);
    assertThat(r.getLong(2)).isEqualTo(1_000_000L);
  }

  @Test
  void cachedCiphertextsDecryptRepeatedly() {
    Dataset<Row> enc =
        spark.sql("SELECT id, pipeseal_encrypt(id, 'pii') AS id_enc FROM range(500)");
    enc.cache();
    try {
      for (int i = 0; i < 2; i++) {
        assertThat(
                enc.selectExpr("sum(pipeseal_decrypt(id_enc, 'bigint', 'id'))").first().getLong(0))
            .isEqualTo(499L * 500 / 2);
      }
    } finally {
      enc.unpersist();
    }
  }

  @Test
  void structuredStreamingEncryptsIntoASinkAndDecryptsBack() throws Exception {
    Path in = Files.createDirectories(dir.resolve("stream-in"));
    spark
        .sql("SELECT id, concat('card-', id) AS card FROM range(200)")
        .write()
        .parquet(in.resolve("batch1").toString());
    StructType schema =
        new StructType().add("id", DataTypes.LongType).add("card", DataTypes.StringType);
    StreamingQuery q =
        spark
            .readStream()
            .schema(schema)
            .parquet(in.resolve("batch1").toString())
            .selectExpr("id", "pipeseal_encrypt(card, 'pii') AS card")
            .writeStream()
            .format("parquet")
            .option("checkpointLocation", dir.resolve("checkpoint").toString())
            .trigger(Trigger.AvailableNow())
            .start(dir.resolve("stream-out").toString());
    q.awaitTermination(120_000);
    assertThat(q.exception().isEmpty()).isTrue();
    Dataset<Row> out = spark.read().parquet(dir.resolve("stream-out").toString());
    assertThat(out.schema().apply("card").dataType()).isEqualTo(DataTypes.BinaryType);
    Row r =
        out.selectExpr("count(*)", "count_if(pipeseal_decrypt(card) = concat('card-', id))")
            .first();
    assertThat(r.getLong(0)).isEqualTo(200);
    assertThat(r.getLong(1)).isEqualTo(200);
  }
}
