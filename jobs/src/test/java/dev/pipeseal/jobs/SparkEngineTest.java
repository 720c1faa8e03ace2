package dev.pipeseal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.jobs.testing.Lakes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jobs on Spark local mode: tasks ship to executors and open their own bridge. */
class SparkEngineTest {
  private static SparkSession spark;
  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal-jobs-test")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
    Lakes.resetCaches();
  }

  @Test
  void inventoryRotateAndVerifyOnSpark() {
    Map<String, String> kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    Path lake = dir.resolve("lake");
    for (int i = 0; i < 3; i++) {
      Lakes.write(
          Lakes.policy(kms, "pii", "pipeseal.parquet.key-material", "external"),
          lake.resolve("d=" + i + "/part-0.parquet"),
          10);
    }
    Lakes.admin(kms).rotateKey("pii");
    Lakes.resetCaches();
    List<String> conf = new ArrayList<>();
    kms.forEach(
        (k, v) -> {
          conf.add("--conf");
          conf.add(k + "=" + v);
        });
    var inv = Lakes.cli("inventory", lake.toString());
    assertThat(inv.code()).as(inv.out() + inv.err()).isZero();
    List<String> rotate = new ArrayList<>(List.of("rotate", lake.toString()));
    rotate.addAll(conf);
    var r = Lakes.cli(rotate.toArray(String[]::new));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("done=3");
    List<String> verify = new ArrayList<>(List.of("verify", lake.toString()));
    verify.addAll(conf);
    var v = Lakes.cli(verify.toArray(String[]::new));
    assertThat(v.code()).as(v.out() + v.err()).isZero();
    assertThat(spark.sparkContext().isStopped()).isFalse(); // the caller's session is kept
  }
}
