package dev.pipeseal.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.kafka.subject.SubjectKeyInterceptor;
import dev.pipeseal.kafka.testing.ErasureAwareConsumer;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.spark.PipesealExtensions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crypto-shredding across Kafka and the lake on real components: a producer encrypts records of
 * 1,000 subjects with per-subject keys on a real broker, Spark (local mode) writes lake cells about
 * the same subjects, both through one key registry; {@code pipeseal shred} erases 10 subjects, and
 * then a Kafka consumer, Spark's {@code try_} functions, {@code verify} and {@code inventory} each
 * refuse exactly those subjects' values as erased while all 990 others decrypt to what was written.
 * Then shreds killed at each step in a child JVM leave nothing a rerun cannot finish.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SubjectShreddingEndToEndTest {
  private static final int SUBJECTS = 1000;
  private static final int RECORDS_PER_SUBJECT = 2;
  private static final int CELLS_PER_SUBJECT = 3;
  private static final int RECORDS = SUBJECTS * RECORDS_PER_SUBJECT;
  private static final int ROWS = SUBJECTS * CELLS_PER_SUBJECT;

  @TempDir static Path dir;

  private KafkaBroker broker;
  private LocalKeys keys;
  private Path registry;
  private Path lake;
  private Path prfKey;
  private Path audit;
  private String topic;
  private SubjectHasher hasher;
  private final Set<String> shredded = new LinkedHashSet<>();

  @BeforeAll
  void start() throws Exception {
    broker = KafkaBroker.start();
    keys = LocalKeys.create(dir.resolve("keys"), "pii");
    registry = dir.resolve("registry");
    lake = dir.resolve("lake");
    audit = dir.resolve("audit.jsonl");
    prfKey = dir.resolve("subject-prf.key");
    Files.writeString(prfKey, "test-only subject PRF key, 32 bytes or more\n");
    hasher = SubjectHasher.of(Files.readString(prfKey).strip().getBytes(StandardCharsets.UTF_8));
    topic = broker.createTopic("profiles", 3, false);
    for (int i = 0; i < 10; i++) {
      shredded.add(user(i * 97 + 5));
    }
  }

  @AfterAll
  void stop() throws Exception {
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    SharedKmsBridges.closeAll();
    if (broker != null) {
      broker.close();
    }
  }

  private static String user(int i) {
    return "user-" + i;
  }

  private static String recordValue(String user, int j) {
    return "{\"user\":\"" + user + "\",\"email\":\"" + user + "." + j + "@example.com\"}";
  }

  private Map<String, Object> producerProps() {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", EncryptingSerializer.class.getName());
    p.put("interceptor.classes", SubjectKeyInterceptor.class.getName());
    p.put("pipeseal.value.serializer", StringSerializer.class.getName());
    p.put("pipeseal.master-key", "pii");
    p.put("pipeseal.registry", registry.toString());
    p.put("pipeseal.value.subject", "key");
    p.put("pipeseal.subject.prf-key", "file:" + prfKey);
    return p;
  }

  private Map<String, Object> consumerProps() {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", DecryptingDeserializer.class.getName());
    p.put("pipeseal.value.deserializer", StringDeserializer.class.getName());
    p.put("pipeseal.registry", registry.toString());
    return p;
  }

  private SparkSession spark() {
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("subject-shredding")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "3")
            .config("spark.sql.extensions", PipesealExtensions.class.getName())
            .config("spark.pipeseal.registry.location", registry.toString())
            .config("spark.pipeseal.subject.prf-key", "file:" + prfKey);
    keys.properties().forEach((k, v) -> b.config("spark." + k, v));
    return b.getOrCreate();
  }

  /** Stops Spark and drops this JVM's key caches: the next job is a new process. */
  private static void stop(SparkSession spark) {
    spark.stop();
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    SharedKmsBridges.closeAll();
  }

  private record Cli(int code, String out, String err) {}

  private static Cli cli(List<String> args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        PipesealCli.run(
            args.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Cli(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private List<String> withKms(String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    keys.properties().forEach((k, v) -> a.addAll(List.of("--conf", k + "=" + v)));
    return a;
  }

  private List<String> shredArgs(Set<String> subjects) {
    List<String> a =
        withKms(
            "shred",
            "--registry",
            registry.toString(),
            "--conf",
            "pipeseal.subject.prf-key=file:" + prfKey);
    // The audit trail goes to a file (the key store's settings say "none").
    a.replaceAll(
        s -> s.equals("pipeseal.kms.audit.sink=none") ? "pipeseal.kms.audit.sink=file" : s);
    a.addAll(List.of("--conf", "pipeseal.kms.audit.file=" + audit));
    for (String s : subjects) {
      a.addAll(List.of("--subject", s));
    }
    return a;
  }

  private static byte[] subjectReference(byte[] envelope) {
    // version, algorithm, kind 0x03, length 24, then subject hash (16) and key id (8).
    assertThat(envelope[2]).isEqualTo((byte) 0x03);
    return Arrays.copyOfRange(envelope, 4, 28);
  }

  // ---------------------------------------------------------------- the scenario

  @Test
  @Order(1)
  void shreddingTenOfAThousandSubjectsErasesExactlyTheirValuesInKafkaSparkAndTheJobs()
      throws Exception {
    // Kafka first: the producer creates the subjects' keys in the shared registry.
    try (KafkaProducer<String, String> producer = broker.producer(producerProps())) {
      for (int j = 0; j < RECORDS_PER_SUBJECT; j++) {
        for (int i = 0; i < SUBJECTS; i++) {
          producer.send(new ProducerRecord<>(topic, user(i), recordValue(user(i), j)));
        }
      }
      producer.flush();
    }
    Map<String, String> kafkaRefs = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : broker.readRaw(topic, RECORDS)) {
      String user = new String(r.key(), StandardCharsets.UTF_8);
      assertThat(new String(r.value(), StandardCharsets.ISO_8859_1)).doesNotContain("@example");
      String ref = HexFormat.of().formatHex(subjectReference(r.value()));
      assertThat(kafkaRefs.putIfAbsent(user, ref)).isIn(null, ref); // one key per subject
    }
    assertThat(kafkaRefs).hasSize(SUBJECTS);

    // Spark writes the lake about the same subjects, through the same registry and PRF key.
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
        .repartitionByRange(3, new org.apache.spark.sql.Column("id"))
        .sortWithinPartitions("id")
        .write()
        .parquet(lake.toString());
    // The lake's cells name exactly the keys the Kafka records name: one key per subject id.
    List<Row> cells =
        writer.read().parquet(lake.toString()).select("user_id", "ssn").collectAsList();
    assertThat(cells).hasSize(ROWS);
    for (Row r : cells) {
      assertThat(HexFormat.of().formatHex(subjectReference((byte[]) r.get(1))))
          .as(r.getString(0))
          .isEqualTo(kafkaRefs.get(r.getString(0)));
    }
    // Which cells inventory samples (the first 32 of each file) and how many are the victims'.
    long sampledVictimCells =
        writer
            .sql(
                "SELECT count(*) FROM (SELECT user_id, row_number() OVER (PARTITION BY f ORDER BY"
                    + " id) AS n FROM (SELECT id, user_id, input_file_name() AS f FROM parquet.`"
                    + lake
                    + "`)) WHERE n <= 32 AND user_id IN ('"
                    + String.join("','", shredded)
                    + "')")
            .first()
            .getLong(0);
    assertThat(sampledVictimCells).isPositive();
    stop(writer);

    Cli shred = cli(shredArgs(shredded));
    assertThat(shred.code()).as(shred.out() + shred.err()).isZero();
    assertThat(shred.out().lines().filter(l -> l.contains(": erased; 1 key(s) destroyed")))
        .hasSize(shredded.size());
    String trail = Files.readString(audit);
    for (String s : shredded) {
      assertThat(trail).contains(hasher.hash(s).hex()).doesNotContain("\"" + s + "\"");
    }

    // A Kafka consumer: exactly the 10 subjects' 20 records are erased, 1,980 read back.
    Set<SubjectHash> victims = new LinkedHashSet<>();
    shredded.forEach(s -> victims.add(hasher.hash(s)));
    try (KafkaConsumer<String, String> consumer = broker.consumer(consumerProps())) {
      consumer.subscribe(List.of(topic));
      var read = ErasureAwareConsumer.readAll(consumer, RECORDS);
      assertThat(read.erased()).hasSize(shredded.size() * RECORDS_PER_SUBJECT);
      assertThat(read.erased()).allSatisfy(e -> assertThat(e.subject()).isIn(victims));
      assertThat(read.failures())
          .allSatisfy(f -> assertThat(f.getCause().getMessage()).contains("'" + topic + "'"));
      assertThat(read.values()).hasSize((SUBJECTS - shredded.size()) * RECORDS_PER_SUBJECT);
      Map<String, Set<String>> byUser = new HashMap<>();
      for (ConsumerRecord<String, String> r : read.values().values()) {
        byUser.computeIfAbsent(r.key(), k -> new java.util.HashSet<>()).add(r.value());
      }
      assertThat(byUser).hasSize(SUBJECTS - shredded.size());
      byUser.forEach(
          (u, vs) ->
              assertThat(vs).as(u).containsExactlyInAnyOrder(recordValue(u, 0), recordValue(u, 1)));
    }

    // A new Spark job: the 30 cells of the 10 subjects are null under try_, 2,970 intact.
    SparkSession reader = spark();
    List<Row> rows =
        reader
            .sql("SELECT id, user_id, try_pipeseal_decrypt(ssn) AS ssn FROM parquet.`" + lake + "`")
            .collectAsList();
    assertThat(rows).hasSize(ROWS);
    int erasedCells = 0;
    for (Row r : rows) {
      if (shredded.contains(r.getString(1))) {
        assertThat(r.isNullAt(2)).as(r.toString()).isTrue();
        erasedCells++;
      } else {
        assertThat(r.getString(2)).isEqualTo("ssn-" + r.getLong(0));
      }
    }
    assertThat(erasedCells).isEqualTo(shredded.size() * CELLS_PER_SUBJECT);
    stop(reader);

    // verify reads every cell; inventory its sample: both count the erased ones exactly.
    Path verifyReport = dir.resolve("verify.json");
    Cli v =
        cli(
            withKms(
                "verify",
                lake.toString(),
                "--engine",
                "local",
                "--report",
                verifyReport.toString(),
                "--conf",
                "pipeseal.registry.location=" + registry));
    assertThat(v.code()).as(v.out() + v.err()).isZero();
    JsonNode vj = new ObjectMapper().readTree(Files.readString(verifyReport));
    assertThat(vj.at("/totals/failed").asInt()).isZero();
    assertThat(vj.at("/subjectCells").asLong()).isEqualTo(ROWS);
    assertThat(vj.at("/erasedCells").asLong()).isEqualTo(erasedCells);

    Path inventoryReport = dir.resolve("inventory.json");
    Cli inv =
        cli(
            withKms(
                "inventory",
                lake.toString(),
                "--engine",
                "local",
                "--registry",
                registry.toString(),
                "--report",
                inventoryReport.toString()));
    assertThat(inv.code()).as(inv.out() + inv.err()).isZero();
    JsonNode ij = new ObjectMapper().readTree(Files.readString(inventoryReport));
    assertThat(ij.at("/totals/failed").asInt()).isZero();
    assertThat(ij.at("/erasedCells").asLong()).isEqualTo(sampledVictimCells);
  }

  @Test
  @Order(2)
  void aShredKilledAtEachStepLeavesNothingARerunCannotFinish() throws Exception {
    List<String> points = List.of("shred-published", "shred-deleted");
    for (int k = 0; k < points.size(); k++) {
      String victim = user(500 + k);
      String point = points.get(k);
      SubjectHash hash = hasher.hash(victim);
      List<String> args = shredArgs(Set.of(victim));
      Process p = KilledRotation.start(point, 1, args.toArray(String[]::new));
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).as(point + ": " + output).isEqualTo(KilledRotation.EXIT);

      // Killed after the erased bucket was published: every reader already refuses the subject.
      SharedKmsBridges.closeAll();
      try (SubjectKeyRegistry subjects =
          KeyRegistries.openSubjects(registry.toString(), Map.of())) {
        assertThat(subjects.erased(hash)).as(point).isTrue();
      }
      assertLakeReadsWithErased(victimsPlus(victim));

      // The rerun finishes: exit 0, an audit line, and nothing left to replace afterwards.
      Cli rerun = cli(args);
      assertThat(rerun.code()).as(rerun.out() + rerun.err()).isZero();
      assertThat(rerun.out()).contains(hash.hex()).contains("was already erased");
      assertThat(Files.readAllLines(audit))
          .filteredOn(l -> l.contains(hash.hex()) && l.contains("\"op\":\"shred\""))
          .isNotEmpty();
      Cli again = cli(args);
      assertThat(again.code()).isZero();
      assertThat(again.out()).contains("0 key(s) destroyed, 0 file(s) replaced");
      shredded.add(victim);
    }
    assertLakeReadsWithErased(shredded);
  }

  private Set<String> victimsPlus(String victim) {
    Set<String> s = new LinkedHashSet<>(shredded);
    s.add(victim);
    return s;
  }

  /** Exactly {@code erased}'s cells are null under try_; every other cell is what was written. */
  private void assertLakeReadsWithErased(Set<String> erased) {
    SparkSession reader = spark();
    try {
      List<Row> rows =
          reader
              .sql(
                  "SELECT id, user_id, try_pipeseal_decrypt(ssn) AS ssn FROM parquet.`"
                      + lake
                      + "`")
              .collectAsList();
      assertThat(rows).hasSize(ROWS);
      long nulls = 0;
      for (Row r : rows) {
        if (erased.contains(r.getString(1))) {
          assertThat(r.isNullAt(2)).as(r.toString()).isTrue();
          nulls++;
        } else {
          assertThat(r.getString(2)).as(r.toString()).isEqualTo("ssn-" + r.getLong(0));
        }
      }
      assertThat(nulls).isEqualTo((long) erased.size() * CELLS_PER_SUBJECT);
    } finally {
      stop(reader);
    }
  }
}
