package dev.pipeseal.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kms.testing.HadoopKmsServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same functions against a real Hadoop KMS server (in its own JVM) and a registry. */
class HadoopKmsTest {
  @TempDir static Path dir;
  static HadoopKmsServer kms;
  static SparkSession spark;

  @BeforeAll
  static void start() {
    kms = HadoopKmsServer.builder().start();
    kms.createKey("lake");
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.pipeseal.kms.uri", kms.uri().toString());
    kms.clientConfig().forEach((k, v) -> conf.put("spark.pipeseal.kms.provider." + k, v));
    conf.put("spark.pipeseal.kms.audit.sink", "none");
    conf.put("spark.pipeseal.registry.location", dir.resolve("registry").toUri().toString());
    conf.put("spark.pipeseal.default-master-key", "lake");
    spark = TestSpark.start(conf);
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
    if (kms != null) {
      kms.close();
    }
  }

  @Test
  void stringsVectorsAndDecimalsRoundTripUnderHadoopKmsKeys() {
    List<Row> rows =
        spark
            .sql(
                """
                SELECT s = pipeseal_decrypt(es, 'string', 's'),
                       v = pipeseal_decrypt(ev, 'array<float>', 'v'),
                       d = pipeseal_decrypt(ed, 'decimal(20,4)', 'd')
                FROM (
                  SELECT s, v, d, pipeseal_encrypt(s) AS es, pipeseal_encrypt(v) AS ev,
                         pipeseal_encrypt(d) AS ed
                  FROM (SELECT concat('s', id) AS s,
                               transform(sequence(1, 768), x -> CAST(x / (id + 1) AS FLOAT)) AS v,
                               CAST(id / 3 AS DECIMAL(20, 4)) AS d
                        FROM range(0, 300, 1, 3)))
                """)
            .collectAsList();
    assertThat(rows).hasSize(300);
    for (Row r : rows) {
      assertThat(r.getBoolean(0) && r.getBoolean(1) && r.getBoolean(2)).isTrue();
    }
  }

  @Test
  void deterministicJoinUnderHadoopKmsKeys() {
    long n =
        spark
            .sql(
                """
                SELECT count(*) FROM
                  (SELECT pipeseal_encrypt_deterministic(id % 7, 'lake', 'k') AS k FROM range(70)) a
                  JOIN
                  (SELECT pipeseal_encrypt_deterministic(id, 'lake', 'k') AS k FROM range(7)) b
                  ON a.k = b.k
                """)
            .first()
            .getLong(0);
    assertThat(n).isEqualTo(70);
  }
}
