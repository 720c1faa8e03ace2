package dev.pipeseal.parquet.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.parquet.crypto.PipesealCryptoFactory;
import dev.pipeseal.parquet.testing.KeySources;
import dev.pipeseal.spark.PipesealExtensions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KMS configured once, as {@code spark.pipeseal.kms.*}: the SQL functions and Parquet modular
 * encryption in one session find the same shared bridge, so the JVM opens exactly one.
 */
class OneBridgePerSessionTest {
  @TempDir Path dir;
  private SparkSession spark;

  @AfterEach
  void stop() {
    if (spark != null) {
      spark.stop();
    }
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    KeySources.reset();
  }

  @Test
  void sqlFunctionsAndParquetEncryptionShareOneBridge() throws Exception {
    KeySources.reset();
    Map<String, String> kms = KeySources.localStore(dir);
    long before = SharedKmsBridges.openedTotal();
    KeySources.createKeys(kms, "pii", "emb");
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal-one-bridge")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.extensions", PipesealExtensions.class.getName())
            .config("spark.pipeseal.registry.location", dir.resolve("registry").toString())
            .config(
                "spark.hadoop.parquet.crypto.factory.class", PipesealCryptoFactory.class.getName())
            .config("spark.hadoop.pipeseal.parquet.columns.pii", "ssn")
            .config("spark.hadoop.pipeseal.parquet.columns.emb", "embedding")
            .config("spark.hadoop.pipeseal.parquet.footer.key", "pii");
    // Only the Spark-side KMS settings: no spark.hadoop.pipeseal.kms.* copy for Parquet.
    kms.forEach((k, v) -> b.config("spark." + k, v));
    spark = b.getOrCreate();

    String lake = dir.resolve("lake").toString();
    spark
        .range(0, 200, 1, 2)
        .selectExpr(
            "id",
            "format_string('%03d-%02d-%04d', id % 1000, id % 100, id) as ssn",
            "pipeseal_encrypt(concat('u', id, '@example.com'), 'pii', 'email') as email",
            "array(cast(id as float), 1.5f) as embedding")
        .write()
        .parquet(lake);
    List<Row> back =
        spark
            .read()
            .parquet(lake)
            .selectExpr("id", "ssn", "pipeseal_decrypt(email, 'string') as email", "embedding")
            .orderBy("id")
            .collectAsList();

    assertThat(back).hasSize(200);
    assertThat(back.get(7).getString(1)).isEqualTo("007-07-0007");
    assertThat(back.get(7).getString(2)).isEqualTo("u7@example.com");
    assertThat(back.get(7).getList(3)).containsExactly(7.0f, 1.5f);
    // The Parquet side really encrypted: every file ends with the encrypted-footer magic.
    try (var files = Files.list(dir.resolve("lake"))) {
      List<Path> parquet = files.filter(p -> p.toString().endsWith(".parquet")).toList();
      assertThat(parquet).isNotEmpty();
      for (Path p : parquet) {
        byte[] bytes = Files.readAllBytes(p);
        assertThat(new String(bytes, bytes.length - 4, 4, StandardCharsets.US_ASCII))
            .isEqualTo("PARE");
      }
    }
    assertThat(SharedKmsBridges.openedTotal() - before).isEqualTo(1);
    assertThat(SharedKmsBridges.openCount()).isEqualTo(1);
  }
}
