package dev.pipeseal.parquet.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pipeseal.kms.testing.HadoopKmsServer;
import dev.pipeseal.parquet.crypto.PipesealCryptoFactory;
import dev.pipeseal.parquet.kms.PipesealKmsClient;
import dev.pipeseal.parquet.testing.KeySources;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark local mode writing and reading encrypted Parquet with keys in a real Hadoop KMS. */
class SparkParquetTest {
  private static final int N = 300;
  private static HadoopKmsServer kms;
  private static SparkSession spark;
  private static Dataset<Row> rows;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    KeySources.reset();
    kms = HadoopKmsServer.builder().start();
    kms.createKey("pii");
    kms.createKey("emb");
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal-parquet-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    rows = rows(spark);
  }

  private static Dataset<Row> rows(SparkSession session) {
    return session
        .range(0, N, 1, 2)
        .selectExpr(
            "id",
            "cast(id % 3 as int) as part",
            "format_string('%03d-%02d-%04d', id % 1000, id % 100, id) as ssn",
            "concat('u', id, '@example.com') as email",
            "named_struct('street', concat(id, ' Main St'), 'zip', concat('9', id)) as address",
            "transform(sequence(0, 767), d -> cast(id * 0.001 + d as float)) as embedding",
            "concat('note ', id) as note");
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
    KeySources.reset();
    if (kms != null) {
      kms.close();
    }
  }

  private static PipesealParquet.Builder options() {
    return PipesealParquet.options(kms.uri().toString()).kms("audit.sink", "none");
  }

  /** Zero when both hold the same rows: compares count and an order-independent checksum. */
  private static long differences(Dataset<Row> a, Dataset<Row> b) {
    String cols = String.join(",", rows.columns());
    String agg = "sum(cast(hash(" + cols + ") as bigint)) as h";
    Row x = a.selectExpr(agg, "count(*) as n").first();
    Row y = b.selectExpr(agg, "count(*) as n").first();
    return x.equals(y) ? 0 : 1;
  }

  @Test
  void partitionedWriteAndFullReadWithOneOptionsMap() {
    String path = dir.resolve("users").toString();
    Map<String, String> opts =
        options()
            .encrypt("pii", "ssn", "email", "address")
            .encrypt("emb", "type:array<float>")
            .policy("footer.key", "pii")
            .build();
    rows.write().options(opts).partitionBy("part").parquet(path);
    Dataset<Row> back = spark.read().options(opts).parquet(path);
    assertThat(back.count()).isEqualTo(N);
    assertThat(differences(rows, back)).isZero();
    // Without keys nothing is readable: the footer is encrypted.
    Throwable t = catchThrowable(() -> spark.read().parquet(path).count());
    assertThat(t).isNotNull();
  }

  @Test
  void stockFactoryReadsOurSparkFilesAndPlaintextFooterServesOtherColumns() {
    String path = dir.resolve("events").toString();
    Map<String, String> opts =
        options().encrypt("pii", "ssn", "embedding").policy("footer.plaintext", "true").build();
    rows.write().options(opts).parquet(path);
    Map<String, String> stock = new HashMap<>();
    stock.put(
        "parquet.crypto.factory.class",
        "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory");
    stock.put("parquet.encryption.kms.client.class", PipesealKmsClient.class.getName());
    stock.put("pipeseal.kms.uri", kms.uri().toString());
    stock.put("pipeseal.kms.audit.sink", "none");
    assertThat(differences(rows, spark.read().options(stock).parquet(path))).isZero();
    // No crypto settings at all: the plaintext columns still read.
    assertThat(spark.read().parquet(path).select("id", "note", "email").count()).isEqualTo(N);
    Throwable t = catchThrowable(() -> spark.read().parquet(path).select("ssn").collectAsList());
    assertThat(t).isNotNull();
  }

  @Test
  void sessionSettingsEnableEveryWrite() {
    String path = dir.resolve("session").toString();
    Map<String, String> opts = options().encrypt("emb", "type:array<float>").build();
    SparkSession session = spark.newSession();
    PipesealParquet.enable(session, opts);
    rows(session).write().parquet(path);
    assertThat(differences(rows, session.read().parquet(path))).isZero();
    assertThat(opts)
        .containsEntry("parquet.crypto.factory.class", PipesealCryptoFactory.class.getName());
    assertThat(options().encrypt("pii", "ssn").sparkConf())
        .containsKey("spark.hadoop.pipeseal.parquet.columns.pii");
  }
}
