package dev.pipeseal.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.parquet.spark.PipesealParquet;
import dev.pipeseal.spark.PipesealExtensions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads what the Python package wrote during the pytest step (test_python_writes.py) through the
 * Java code paths: cells through {@code pipeseal_decrypt} in Spark (registry and inline keys,
 * randomized and deterministic), and a PME file PyArrow wrote with the Python KMS client through
 * {@code PipesealCryptoFactory}.
 */
class PythonWrittenTest {
  private static Path dir;
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    dir = Path.of(System.getProperty("pipeseal.interop.dir"));
    assumeTrue(
        Files.exists(dir.resolve("from-python/expected.json")),
        "no Python output (built with -Dpython.skip=true?)");
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("python-written")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.extensions", PipesealExtensions.class.getName())
            .config("spark.pipeseal.kms.uri", "local://" + dir.resolve("keys.p12"))
            .config(
                "spark.pipeseal.kms.provider.password", "file:" + dir.resolve("keystore.password"))
            .config("spark.pipeseal.kms.audit.sink", "none")
            .config("spark.pipeseal.registry.location", dir.resolve("registry").toString())
            .getOrCreate();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void cellsWrittenByPythonDecryptWithPipesealDecrypt() throws Exception {
    JsonNode expected =
        new ObjectMapper().readTree(dir.resolve("from-python/expected.json").toFile());
    List<Row> rows =
        spark
            .sql(
                "SELECT id, pipeseal_decrypt(c_string) AS s, pipeseal_decrypt(c_int, 'int') AS i,"
                    + " pipeseal_decrypt(det) AS d,"
                    + " pipeseal_decrypt(c_vec_f, 'array<float>') AS v FROM parquet.`"
                    + dir.resolve("from-python/cells")
                    + "` ORDER BY id")
            .collectAsList();
    assertThat(rows).hasSize(expected.get("strings").size());
    for (Row r : rows) {
      int id = (int) r.getLong(0);
      assertThat(r.getString(1)).isEqualTo(expected.get("strings").get(id).asText());
      assertThat(r.getInt(2)).isEqualTo(expected.get("ints").get(id).asInt());
      assertThat(r.getString(3)).isEqualTo(expected.get("strings").get(id).asText());
      List<Float> vector = r.getList(4);
      List<Float> want = new ArrayList<>();
      expected.get("vectors").get(id).forEach(n -> want.add((float) n.asDouble()));
      assertThat(vector).isEqualTo(want);
    }
  }

  @Test
  void pmeFileWrittenByPyArrowReadsThroughTheFactory() {
    Map<String, String> options =
        PipesealParquet.options("local://" + dir.resolve("keys.p12"))
            .kms("pipeseal.kms.provider.password", "file:" + dir.resolve("keystore.password"))
            .kms("pipeseal.kms.audit.sink", "none")
            .policy("table.verify", "false") // PyArrow cannot bind a table (no AAD prefix)
            .build();
    List<Row> rows =
        spark
            .read()
            .options(options)
            .parquet(dir.resolve("from-python/pme").toString())
            .orderBy("id")
            .collectAsList();
    assertThat(rows).hasSize(25);
    assertThat(rows.get(3).<String>getAs("name")).isEqualTo("name-3");
    List<Float> emb = rows.get(3).getList(rows.get(3).fieldIndex("embedding"));
    assertThat(emb).hasSize(16);
    assertThat(emb.get(0)).isEqualTo(3.0f);
    assertThat(emb.get(15)).isEqualTo(4.0f);
  }
}
