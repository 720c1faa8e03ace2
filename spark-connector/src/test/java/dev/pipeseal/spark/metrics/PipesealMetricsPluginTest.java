package dev.pipeseal.spark.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.metrics.DataPathMetrics;
import dev.pipeseal.kms.metrics.DecryptFailureKind;
import dev.pipeseal.kms.metrics.DecryptFailures;
import dev.pipeseal.spark.PipesealExtensions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin's gauges reach a real sink (Spark's CSV sink) of a local Spark session. */
class PipesealMetricsPluginTest {
  @TempDir Path dir;
  private SparkSession spark;

  @AfterEach
  void stop() {
    if (spark != null) {
      spark.stop();
    }
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    SharedKmsBridges.closeAll();
  }

  @Test
  void kmsCountersReachSparksConfiguredSink() throws Exception {
    Path password = dir.resolve("password");
    Files.writeString(password, "test-password\n");
    Map<String, String> kms =
        Map.of(
            "pipeseal.kms.uri",
            "local:" + dir.resolve("keys.p12"),
            "pipeseal.kms.provider.password",
            "file:" + password,
            "pipeseal.kms.provider.create",
            "true",
            "pipeseal.kms.audit.sink",
            "none");
    try (KmsBridge bridge = KmsBridge.open(kms)) {
      bridge.admin().orElseThrow().createKey("pii");
    }
    // The counters are the JVM's: earlier tests in this JVM may have added to them.
    long encryptedBefore = DataPathMetrics.encrypted("pii");
    long tamperedBefore = DecryptFailures.jvm().count(DecryptFailureKind.AUTHENTICATION_FAILED);
    long wrongTypeBefore = DecryptFailures.jvm().count(DecryptFailureKind.WRONG_TYPE);
    long failuresBefore = DecryptFailures.jvm().total();
    Path csv = dir.resolve("csv");
    Files.createDirectories(csv);
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal-metrics")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.extensions", PipesealExtensions.class.getName())
            .config("spark.plugins", PipesealMetricsPlugin.class.getName())
            .config("spark.metrics.conf.*.sink.csv.class", "org.apache.spark.metrics.sink.CsvSink")
            .config("spark.metrics.conf.*.sink.csv.period", "1")
            .config("spark.metrics.conf.*.sink.csv.unit", "seconds")
            .config("spark.metrics.conf.*.sink.csv.directory", csv.toString())
            .config("spark.pipeseal.registry.location", dir.resolve("registry").toString());
    kms.forEach((k, v) -> b.config("spark." + k, v));
    spark = b.getOrCreate();
    List<Row> rows =
        spark
            .sql(
                "WITH t AS (SELECT id, CAST(id AS STRING) AS s FROM range(200)),"
                    + " e AS (SELECT id, pipeseal_encrypt(s, 'pii') AS s FROM t)"
                    + " SELECT pipeseal_decrypt(s, 'string') AS v FROM e ORDER BY id")
            .collectAsList();
    assertThat(rows).hasSize(200);
    assertThat(rows.get(7).getString(0)).isEqualTo("7");
    // Failures that try_ turns into nulls still count, by kind: 30 values with a byte appended
    // (their tag no longer verifies) and 20 read as the wrong type.
    List<Row> nulls =
        spark
            .sql(
                "WITH t AS (SELECT id, CAST(id AS STRING) AS s FROM range(50)),"
                    + " e AS (SELECT id, pipeseal_encrypt(s, 'pii') AS s FROM t),"
                    + " x AS (SELECT id, CASE WHEN id < 30 THEN concat(s, X'00') ELSE s END AS s"
                    + " FROM e)"
                    + " SELECT CASE WHEN id < 30 THEN try_pipeseal_decrypt(s, 'string')"
                    + " ELSE CAST(try_pipeseal_decrypt(s, 'int') AS STRING) END AS v FROM x")
            .collectAsList();
    assertThat(nulls).hasSize(50).allMatch(r -> r.isNullAt(0));
    // Stopping reports every source to the sinks one last time.
    spark.stop();
    spark = null;

    assertThat(lastValue(csv, "PipesealMetricsPlugin.deks.generated")).isPositive();
    assertThat(lastValue(csv, "PipesealMetricsPlugin.kms.generate.calls")).isPositive();
    assertThat(lastValue(csv, "PipesealMetricsPlugin.kms.unwrap.calls")).isPositive();
    assertThat(lastValue(csv, "PipesealMetricsPlugin.kms.errors")).isZero();
    // At least the 250 values asked for: Spark may inline a CTE's projection into each of its
    // uses and encrypt a value once per use, and every sealed value counts.
    assertThat(lastValue(csv, "PipesealMetricsPlugin.values.encrypted") - encryptedBefore)
        .isGreaterThanOrEqualTo(250);
    assertThat(
            lastValue(csv, "PipesealMetricsPlugin.decrypt.failures.authentication_failed")
                - tamperedBefore)
        .isEqualTo(30);
    assertThat(
            lastValue(csv, "PipesealMetricsPlugin.decrypt.failures.wrong_type") - wrongTypeBefore)
        .isEqualTo(20);
    assertThat(lastValue(csv, "PipesealMetricsPlugin.decrypt.failures") - failuresBefore)
        .isEqualTo(50);
  }

  /** The largest value any CSV file of that gauge recorded (driver and executor sources). */
  private static long lastValue(Path csv, String gauge) throws IOException {
    long max = -1;
    try (Stream<Path> files = Files.list(csv)) {
      for (Path f :
          files.filter(p -> p.getFileName().toString().contains(gauge + ".csv")).toList()) {
        List<String> lines = Files.readAllLines(f);
        for (String line : lines.subList(1, lines.size())) {
          max = Math.max(max, Long.parseLong(line.substring(line.indexOf(',') + 1).trim()));
        }
      }
    }
    assertThat(max).as("no CSV rows for " + gauge + " in " + csv).isGreaterThanOrEqualTo(0);
    return max;
  }
}
