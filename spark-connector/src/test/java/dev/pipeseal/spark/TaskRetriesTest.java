package dev.pipeseal.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.TaskContext;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task retries while writing an encrypted Parquet lake: the first attempt of every even partition
 * dies part-way through its rows (after it has written some of them to its attempt's file), Spark
 * retries it ({@code local[2,4]}: up to 4 attempts per task), and the committed lake holds every
 * row exactly once, every cell decrypts, and the deterministic (AES-SIV) column of a retried row is
 * byte for byte what the failed attempt had computed. Speculation is switched on as a production
 * job would have it; local mode never launches speculative copies (Spark starts its speculation
 * checker only on cluster managers), so the retries are what this drill exercises.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskRetriesTest {
  private static final int ROWS = 4000;
  private static final int PARTITIONS = 8;
  private static final int FAIL_AT_ROW = 100;

  @TempDir static Path dir;
  private SparkSession spark;

  @BeforeAll
  void start() throws Exception {
    Map<String, String> conf = new HashMap<>(TestSpark.localKeyStore(dir, "pii"));
    conf.put("spark.speculation", "true");
    conf.put("spark.speculation.multiplier", "1.0");
    conf.put("spark.speculation.quantile", "0.5");
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2,4]")
            .appName("pipeseal-task-retries")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.extensions", PipesealExtensions.class.getName());
    conf.forEach(b::config);
    spark = b.getOrCreate();
  }

  @AfterAll
  void stop() {
    TestSpark.stop(spark);
  }

  /**
   * Passes the token through; records what each attempt computed for each id in a file of its own,
   * and kills the first attempt of even partitions at its {@link #FAIL_AT_ROW}th row.
   */
  static final class FlakyRecorder implements UDF2<Long, byte[], byte[]> {
    private final String sideDir;

    FlakyRecorder(String sideDir) {
      this.sideDir = sideDir;
    }

    @Override
    public byte[] call(Long id, byte[] token) {
      TaskContext t = TaskContext.get();
      Path side =
          Path.of(
              sideDir,
              "p" + t.partitionId() + "-a" + t.attemptNumber() + "-t" + t.taskAttemptId() + ".txt");
      try {
        Files.writeString(
            side,
            id + " " + HexFormat.of().formatHex(token) + "\n",
            StandardCharsets.US_ASCII,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
        if (t.attemptNumber() == 0
            && t.partitionId() % 2 == 0
            && Files.readAllLines(side).size() == FAIL_AT_ROW) {
          throw new IllegalStateException("injected failure of the first attempt");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return token;
    }
  }

  @Test
  void retriedTasksWriteEveryRowOnceWithIdenticalDeterministicCells() throws Exception {
    Path side = Files.createDirectories(dir.resolve("attempts"));
    spark
        .udf()
        .register(
            "flaky_recorder",
            org.apache
                .spark
                .sql
                .functions
                .udf(new FlakyRecorder(side.toString()), DataTypes.BinaryType)
                .asNondeterministic());
    AtomicInteger failedAttempts = new AtomicInteger();
    AtomicInteger speculative = new AtomicInteger();
    AtomicInteger succeeded = new AtomicInteger();
    SparkListener listener =
        new SparkListener() {
          @Override
          public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskInfo().speculative()) {
              speculative.incrementAndGet();
            }
            if (end.reason() instanceof TaskFailedReason) {
              failedAttempts.incrementAndGet();
            } else {
              succeeded.incrementAndGet();
            }
          }
        };
    spark.sparkContext().addSparkListener(listener);
    String lake = dir.resolve("lake").toString();
    try {
      spark
          .range(0, ROWS, 1, PARTITIONS)
          .selectExpr(
              "id",
              "pipeseal_encrypt_deterministic(CAST(id AS STRING), 'pii', 'retry.id') AS token",
              "pipeseal_encrypt(concat('note-', id), 'pii', 'retry.note') AS note")
          .selectExpr("id", "flaky_recorder(id, token) AS token", "note")
          .write()
          .parquet(lake);
    } finally {
      // Listener events are delivered asynchronously; wait for them before reading counts.
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().removeSparkListener(listener);
    }

    // Every row once, every cell decrypts to what was written.
    Row r =
        spark
            .read()
            .parquet(lake)
            .selectExpr(
                "count(*)",
                "count(DISTINCT id)",
                "count_if(CAST(pipeseal_decrypt(token, 'string', 'retry.id') AS BIGINT) = id)",
                "count_if(pipeseal_decrypt(note, 'string', 'retry.note') = concat('note-', id))",
                "min(id)",
                "max(id)")
            .first();
    long rows = r.getLong(0);
    long distinct = r.getLong(1);
    assertThat(rows).isEqualTo(ROWS);
    assertThat(distinct).isEqualTo(ROWS);
    assertThat(r.getLong(2)).as("tokens that decrypt to their id").isEqualTo(ROWS);
    assertThat(r.getLong(3)).as("notes that decrypt").isEqualTo(ROWS);
    assertThat(r.getLong(4)).isZero();
    assertThat(r.getLong(5)).isEqualTo(ROWS - 1);
    // No attempt's leftovers among the committed files.
    try (Stream<Path> s = Files.walk(Path.of(lake))) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("_temporary"));
    }

    // The deterministic cells of the failed attempts are byte for byte the committed ones.
    Map<Long, String> committed = new HashMap<>();
    for (Row row : spark.read().parquet(lake).select("id", "token").collectAsList()) {
      committed.put(row.getLong(0), HexFormat.of().formatHex((byte[]) row.get(1)));
    }
    int failedAttemptRows = 0;
    int failedAttemptFiles = 0;
    try (Stream<Path> s = Files.list(side)) {
      for (Path f : s.toList()) {
        if (!f.getFileName().toString().contains("-a0-")) {
          continue;
        }
        List<String> lines = Files.readAllLines(f);
        int partition = Integer.parseInt(f.getFileName().toString().split("-")[0].substring(1));
        if (partition % 2 != 0) {
          continue;
        }
        failedAttemptFiles++;
        for (String line : lines) {
          String[] parts = line.split(" ");
          assertThat(parts[1])
              .as("token of id %s in the failed attempt", parts[0])
              .isEqualTo(committed.get(Long.parseLong(parts[0])));
          failedAttemptRows++;
        }
      }
    }
    System.out.printf(
        "TASK-RETRIES rows=%d distinct=%d lost=%d duplicated=%d decrypted=%d failed-attempts=%d"
            + " successful-attempts=%d speculative=%d failed-attempt-rows-compared=%d%n",
        rows,
        distinct,
        ROWS - distinct,
        rows - distinct,
        r.getLong(2),
        failedAttempts.get(),
        succeeded.get(),
        speculative.get(),
        failedAttemptRows);
    assertThat(failedAttempts.get()).isEqualTo(PARTITIONS / 2);
    assertThat(failedAttemptFiles).isEqualTo(PARTITIONS / 2);
    assertThat(failedAttemptRows).isEqualTo(PARTITIONS / 2 * FAIL_AT_ROW);
  }
}
