package dev.pipeseal.jobs.shred;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.testing.Lakes;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.spark.PipesealExtensions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crypto-shredding end to end: Spark writes a lake of cells under 1,000 subjects' keys, {@code
 * pipeseal shred} erases 10 subjects, and then a new Spark job, {@code verify} and {@code
 * inventory} see exactly those subjects' cells as erased and every other cell intact.
 */
class ShredEndToEndTest {
  @TempDir static Path dir;
  static Map<String, String> kms;
  static Path registry;
  static Path lake;
  static Path prfKey;
  static final int SUBJECTS = 1000;
  static final int ROWS = 3000;
  static final Set<String> SHREDDED = new HashSet<>();

  @BeforeAll
  static void setUp() throws Exception {
    kms = new LinkedHashMap<>(Lakes.localStore(dir.resolve("keys")));
    Lakes.admin(kms).createKey("pii");
    registry = dir.resolve("registry");
    lake = dir.resolve("lake");
    prfKey = dir.resolve("subject-prf.key");
    Files.writeString(prfKey, "test-only PRF key, base64 of 32 random bytes would do\n");
    for (int i = 0; i < 10; i++) {
      SHREDDED.add("user-" + (i * 97 + 5));
    }
  }

  @AfterAll
  static void reset() {
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    Lakes.resetCaches();
  }

  private static SparkSession spark() {
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("shred-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.extensions", PipesealExtensions.class.getName())
            .config("spark.pipeseal.registry.location", registry.toString())
            .config("spark.pipeseal.subject.prf-key", "file:" + prfKey);
    kms.forEach((k, v) -> b.config("spark." + k, v));
    return b.getOrCreate();
  }

  private static void stop(SparkSession spark) {
    spark.stop();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    SharedKmsBridges.closeAll(); // the next job is a new process as far as caches go
  }

  @Test
  void shreddedSubjectsAreErasedEverywhereAndOthersIntact() throws Exception {
    SparkSession writer = spark();
    writer
        .sql(
            "SELECT id, concat('user-', id % "
                + SUBJECTS
                + ") AS user_id, concat('ssn-', id) AS ssn FROM range("
                + ROWS
                + ")")
        .createOrReplaceTempView("people");
    writer
        .sql("SELECT id, user_id, pipeseal_encrypt_subject(ssn, user_id, 'pii') AS ssn FROM people")
        .repartition(3)
        .write()
        .parquet(lake.toString());
    // Before the shred everything reads back.
    assertThat(
            writer
                .sql(
                    "SELECT count(*) FROM parquet.`"
                        + lake
                        + "` WHERE pipeseal_decrypt(ssn) = concat('ssn-', id)")
                .first()
                .getLong(0))
        .isEqualTo(ROWS);
    stop(writer);

    Path audit = dir.resolve("audit.jsonl");
    List<String> args =
        new ArrayList<>(
            List.of(
                "shred",
                "--registry",
                registry.toString(),
                "--conf",
                "pipeseal.subject.prf-key=file:" + prfKey,
                "--conf",
                "pipeseal.kms.audit.sink=file",
                "--conf",
                "pipeseal.kms.audit.file=" + audit));
    kms.forEach(
        (k, v) -> {
          if (!k.equals("pipeseal.kms.audit.sink")) {
            args.addAll(List.of("--conf", k + "=" + v));
          }
        });
    for (String s : SHREDDED) {
      args.addAll(List.of("--subject", s));
    }
    var shred = Lakes.cli(args.toArray(String[]::new));
    assertThat(shred.code()).as(shred.out() + shred.err()).isZero();
    SubjectHasher hasher =
        SubjectHasher.of(Files.readString(prfKey).trim().getBytes(StandardCharsets.UTF_8));
    String anyHash = hasher.hash(SHREDDED.iterator().next()).hex();
    assertThat(shred.out()).contains(anyHash).contains("1 key(s) destroyed");
    assertThat(shred.out().lines().count()).isEqualTo(10);
    String trail = Files.readString(audit);
    assertThat(trail).contains("\"op\":\"shred\"").contains(anyHash);
    for (String s : SHREDDED) {
      assertThat(trail).doesNotContain("\"" + s + "\"");
    }

    // A later Spark job: exactly the shredded subjects' cells are null under try_.
    SparkSession reader = spark();
    reader.read().parquet(lake.toString()).createOrReplaceTempView("lake");
    List<Row> rows =
        reader
            .sql("SELECT id, user_id, try_pipeseal_decrypt(ssn) AS ssn FROM lake")
            .collectAsList();
    assertThat(rows).hasSize(ROWS);
    int erased = 0;
    for (Row r : rows) {
      if (SHREDDED.contains(r.getString(1))) {
        assertThat(r.isNullAt(2)).as(r.toString()).isTrue();
        erased++;
      } else {
        assertThat(r.getString(2)).isEqualTo("ssn-" + r.getLong(0));
      }
    }
    assertThat(erased).isEqualTo(ROWS / SUBJECTS * SHREDDED.size());
    String victim = SHREDDED.iterator().next();
    assertThatThrownBy(
            () ->
                reader
                    .sql("SELECT pipeseal_decrypt(ssn) FROM lake WHERE user_id = '" + victim + "'")
                    .collectAsList())
        .hasStackTraceContaining("was erased")
        .hasStackTraceContaining(hasher.hash(victim).hex());
    // A shredded subject gets no new key: writing for it fails closed.
    assertThatThrownBy(
            () ->
                reader
                    .sql(
                        "SELECT pipeseal_encrypt_subject('x', '" + victim + "', 'pii', 'ssn') AS c")
                    .collectAsList())
        .hasStackTraceContaining("erased");
    stop(reader);

    // verify reads every cell: erased ones are counted, not failures.
    Path verifyReport = dir.resolve("verify.json");
    List<String> verify =
        new ArrayList<>(
            List.of(
                "verify",
                lake.toString(),
                "--engine",
                "local",
                "--report",
                verifyReport.toString(),
                "--conf",
                "pipeseal.registry.location=" + registry));
    kms.forEach((k, v) -> verify.addAll(List.of("--conf", k + "=" + v)));
    var v = Lakes.cli(verify.toArray(String[]::new));
    assertThat(v.code()).as(v.out() + v.err()).isZero();
    assertThat(v.out()).contains("of erased subjects: " + erased);
    JsonNode json = new ObjectMapper().readTree(Files.readString(verifyReport));
    assertThat(json.at("/totals/failed").asInt()).isZero();
    assertThat(json.at("/subjectCells").asLong()).isEqualTo(ROWS);
    assertThat(json.at("/erasedCells").asLong()).isEqualTo(erased);

    // inventory samples: it counts the erased cells among its sample, and fails no file.
    Path inventoryReport = dir.resolve("inventory.json");
    List<String> inventory =
        new ArrayList<>(
            List.of(
                "inventory",
                lake.toString(),
                "--engine",
                "local",
                "--registry",
                registry.toString(),
                "--report",
                inventoryReport.toString()));
    kms.forEach((k, val) -> inventory.addAll(List.of("--conf", k + "=" + val)));
    var inv = Lakes.cli(inventory.toArray(String[]::new));
    assertThat(inv.code()).as(inv.out() + inv.err()).isZero();
    JsonNode ij = new ObjectMapper().readTree(Files.readString(inventoryReport));
    assertThat(ij.at("/totals/failed").asInt()).isZero();
    assertThat(ij.at("/subjectCells").asLong()).isPositive();
    assertThat(ij.at("/erasedCells").asLong()).isBetween(0L, (long) erased);
  }
}
