package dev.pipeseal.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.testing.HadoopKmsServer;
import dev.pipeseal.kms.testing.HadoopKmsServer.KeyOp;
import dev.pipeseal.parquet.crypto.PipesealCryptoFactory;
import dev.pipeseal.spark.PipesealExtensions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on real components, as a platform runs it: producers encrypt training records
 * with the Kafka serializer (PII fields one by one on one topic, embeddings whole on another)
 * against a Hadoop KMS server in its own JVM; a Spark Structured Streaming job decrypts both topics
 * with the Pipeseal functions, tokenizes the join key deterministically and writes a Parquet lake
 * with modular encryption (PII and embedding columns under different master keys); the master keys
 * roll, {@code rotate} rewraps the lake and {@code verify} passes.
 *
 * <p>The steps run in order on one lake; after every step the lake holds exactly the produced
 * records, none lost and none twice. The drills (KMS outage, broker restart, a reader without
 * rights, a killed rotation, a tampered file) each also check the error an operator would see.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainingPipelineTest {
  private static final String PII = "pii";
  private static final String EMBED = "embed";
  private static final String ETL = "etl";
  private static final String ANALYST = "analyst";
  private static final String TOKEN_CONTEXT = "training.user";
  private static final List<String> PII_FIELDS = List.of("name", "email", "ssn", "bio");

  @TempDir static Path dir;

  private HadoopKmsServer kms;
  private KafkaBroker broker;
  private SparkSession spark;
  private Path lake;
  private Path checkpoint;
  private Path registry;
  private String profiles;
  private String embeddings;
  private final List<TrainingRecord> produced = new ArrayList<>();

  @BeforeAll
  void start() {
    // PII is decryptable by the pipeline's user only; an analyst may read embeddings and tokens.
    kms =
        HadoopKmsServer.builder()
            .keyAcl(PII, KeyOp.DECRYPT_EEK, ETL)
            .keyAcl(EMBED, KeyOp.DECRYPT_EEK, ETL + "," + ANALYST)
            .start();
    kms.createKey(PII);
    kms.createKey(EMBED);
    broker = KafkaBroker.start();
    profiles = broker.createTopic("profiles", 3, false);
    embeddings = broker.createTopic("embeddings", 3, false);
    lake = dir.resolve("lake/training");
    checkpoint = dir.resolve("checkpoints/training");
    registry = dir.resolve("registry");
    spark = session();
  }

  @AfterAll
  void stop() throws Exception {
    if (spark != null) {
      spark.stop();
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
    }
    resetKeyCaches();
    if (broker != null) {
      broker.close();
    }
    if (kms != null) {
      kms.close();
    }
  }

  // ---------------------------------------------------------------- the scenario

  @Test
  @Order(1)
  void producedRecordsLandInTheLakeDecryptedTokenizedAndColumnEncrypted() throws Exception {
    produce(0, 120);
    runStream();

    assertLakeHoldsExactlyWhatWasProduced(spark);
    // Kafka never saw PII or vectors in clear.
    for (ConsumerRecord<byte[], byte[]> r : broker.readRaw(profiles, 120)) {
      String raw = new String(r.value(), StandardCharsets.ISO_8859_1);
      assertThat(raw).doesNotContain("example.org").doesNotContain("Main St");
    }
    // Nor does the lake: no PII, no ids, no Parquet footer in clear (the footer is encrypted).
    List<Path> files = dataFiles();
    assertThat(files).isNotEmpty();
    for (Path f : files) {
      String raw = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
      assertThat(raw)
          .startsWith("PARE")
          .doesNotContain("example.org")
          .doesNotContain("Main St")
          .doesNotContain("Lovelace")
          .doesNotContain("embedding");
    }
  }

  @Test
  @Order(2)
  void kmsStoppedMidStreamFailsTheBatchClearlyAndARestartedQueryCatchesUp() throws Exception {
    // Fresh producers generate fresh KEKs, which the stream cannot unwrap without the KMS.
    produce(120, 200);
    kms.stop();
    try {
      assertThatThrownBy(this::runStream)
          .isInstanceOf(StreamingQueryException.class)
          // Whichever topic's key is needed first: the function, context and key are named.
          .hasStackTraceContaining("pipeseal_decrypt_binary failed")
          .hasStackTraceContaining("KMS unreachable")
          .satisfies(
              e ->
                  assertThat(stackTrace(e))
                      .containsPattern("master key '(" + PII + "|" + EMBED + ")'"));
    } finally {
      kms.restart();
    }
    resetKeyCaches();
    // The failed batch committed nothing; the rerun picks it up from the checkpoint.
    assertThat(lakeRows(spark)).hasSize(120);
    runStream();
    assertLakeHoldsExactlyWhatWasProduced(spark);
  }

  @Test
  @Order(3)
  void brokerRestartedWhileTheStreamRunsLosesAndDuplicatesNothing() throws Exception {
    StreamingQuery q = startStream(Trigger.ProcessingTime(300));
    try {
      produce(200, 260);
      q.processAllAvailable();
      broker.restartBroker(Duration.ofSeconds(2));
      produce(260, 320);
      q.processAllAvailable();
      assertThat(q.exception().isEmpty()).isTrue();
    } finally {
      q.stop();
    }
    assertLakeHoldsExactlyWhatWasProduced(spark);
  }

  @Test
  @Order(4)
  void aReaderWithoutPiiRightsReadsEmbeddingsButNeverPii() throws Exception {
    // Kafka: the analyst's consumer fails on the PII fields, naming where and which key.
    Map<String, Object> props = kafkaKms(ANALYST);
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", DecryptingDeserializer.class.getName());
    props.put("pipeseal.deserializer", StringDeserializer.class.getName());
    props.put("pipeseal.mode", "json-fields");
    props.put("pipeseal.fields", "/name,/email,/ssn,/bio");
    try (KafkaConsumer<String, String> c = broker.consumer(props)) {
      assertThatThrownBy(() -> KafkaBroker.drain(c, profiles, 1))
          .isInstanceOf(RecordDeserializationException.class)
          .hasMessageContaining(profiles)
          .hasMessageContaining("offset")
          .hasStackTraceContaining("'" + PII + "'");
    }

    // Spark: a session of the analyst (its own key caches) reads vectors and tokens...
    resetKeyCaches();
    try {
      // A new session shares the SparkContext: never close it.
      SparkSession analyst = spark.newSession();
      analyst.conf().set("spark.pipeseal.kms.provider.user", ANALYST);
      Dataset<Row> t =
          analyst
              .read()
              .option("pipeseal.kms.provider.user", ANALYST)
              .option("parquet.encryption.key.access.token", ANALYST)
              .parquet(lake.toString());
      List<Row> vectors = t.select("user_token", "embedding").collectAsList();
      assertThat(vectors).hasSize(produced.size());
      // ...but neither a PII column nor a token's plaintext.
      assertThatThrownBy(() -> t.select("ssn").collectAsList())
          .hasStackTraceContaining("'" + PII + "'");
      assertThatThrownBy(
              () ->
                  t.selectExpr("pipeseal_decrypt(user_token, 'string', '" + TOKEN_CONTEXT + "')")
                      .collectAsList())
          .hasStackTraceContaining("'" + PII + "'");
    } finally {
      resetKeyCaches();
    }
    // The pipeline's own session is unaffected by the analyst's denials.
    assertLakeHoldsExactlyWhatWasProduced(spark);
  }

  @Test
  @Order(5)
  void rolledMasterKeysAreRewrappedAcrossTheLakeAndReadersNeedOnlyTheNewVersions()
      throws Exception {
    Map<String, String> before = fileDigests();
    String piiNew = kms.rollNewVersion(PII);
    String embedNew = kms.rollNewVersion(EMBED);
    resetKeyCaches();

    Cli r = cli("rotate", lake.toString());
    assertThat(r.code).as(r.out + r.err).isZero();
    Cli reg = cli("rotate", "--registry", registry.toUri().toString());
    assertThat(reg.code).as(reg.out + reg.err).isZero();
    assertThat(masterKeyVersions()).containsOnly(piiNew, embedNew);
    // Rewrap only: not one data byte changed.
    assertThat(fileDigests()).isEqualTo(before);
    Cli v = cli("verify", lake.toString());
    assertThat(v.code).as(v.out + v.err).isZero();

    // A fresh reader whose every KMS call is audited: it reads everything through the new
    // versions only.
    resetKeyCaches();
    Path audit = dir.resolve("audit-reader.jsonl");
    {
      SparkSession reader = spark.newSession();
      reader.conf().set("spark.pipeseal.kms.audit.sink", "file");
      reader.conf().set("spark.pipeseal.kms.audit.file", audit.toString());
      assertLakeHoldsExactlyWhatWasProduced(
          reader,
          Map.of(
              "pipeseal.kms.audit.sink",
              "file",
              "pipeseal.kms.audit.file",
              audit.toString(),
              "parquet.encryption.key.access.token",
              "audited-reader"));
    }
    List<JsonNode> unwraps = auditedUnwraps(audit);
    assertThat(unwraps).isNotEmpty();
    assertThat(unwraps)
        .allSatisfy(e -> assertThat(e.get("version").asText()).isIn(piiNew, embedNew));
    resetKeyCaches();
  }

  @Test
  @Order(6)
  void aRotationKilledMidRunLeavesEveryFileReadableAndARerunFinishes() throws Exception {
    String piiNew = kms.rollNewVersion(PII);
    String embedNew = kms.rollNewVersion(EMBED);
    resetKeyCaches();
    Path ckpt = dir.resolve("rotate-checkpoint");
    for (String point : List.of("after-write", "after-rename")) {
      // One file at a time, so each run reaches its kill point on its second file whatever the
      // timing: with files in flight, the others could all finish first and leave the second run
      // fewer than two files to kill it on.
      Process p =
          KilledRotation.start(
              point,
              2,
              rotateArgs(
                  "rotate",
                  lake.toString(),
                  "--checkpoint",
                  ckpt.toString(),
                  "--parallelism",
                  "1",
                  "--files-in-flight",
                  "1"));
      // Read to the end first: a full pipe would block the child.
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
      assertThat(p.exitValue()).as(output).isEqualTo(KilledRotation.EXIT);
      // Killed between steps: some files rewrapped, some not, and every one readable.
      resetKeyCaches();
      assertLakeHoldsExactlyWhatWasProduced(spark);
    }
    Cli rerun = cli("rotate", lake.toString(), "--checkpoint", ckpt.toString());
    assertThat(rerun.code).as(rerun.out + rerun.err).isZero();
    assertThat(masterKeyVersions()).containsOnly(piiNew, embedNew);
    resetKeyCaches();
    assertLakeHoldsExactlyWhatWasProduced(spark);
  }

  @Test
  @Order(7)
  void aTamperedLakeFileIsNamedByVerifyAndByTheReaderAndNothingElseIsAffected() throws Exception {
    Path victim = dataFiles().get(0);
    byte[] original = Files.readAllBytes(victim);
    byte[] tampered = original.clone();
    tampered[original.length / 3] ^= 0x01; // inside column data, under an authenticated module
    Files.write(victim, tampered);
    try {
      resetKeyCaches();
      Path report = dir.resolve("verify-tampered.json");
      Cli v = cli("verify", lake.toString(), "--report", report.toString());
      assertThat(v.code).as(v.out + v.err).isEqualTo(2);
      JsonNode files = new ObjectMapper().readTree(Files.readString(report)).get("files");
      List<String> failed = new ArrayList<>();
      files.forEach(
          f -> {
            if ("FAILED".equals(f.path("status").asText())) {
              failed.add(f.path("path").asText());
            }
          });
      assertThat(failed).hasSize(1);
      assertThat(failed.get(0)).endsWith(victim.getFileName().toString());
      assertThatThrownBy(() -> spark.read().parquet(lake.toString()).collectAsList())
          .hasStackTraceContaining(victim.getFileName().toString());
    } finally {
      Files.write(victim, original);
    }
    resetKeyCaches();
    Cli v = cli("verify", lake.toString());
    assertThat(v.code).as(v.out + v.err).isZero();
    assertLakeHoldsExactlyWhatWasProduced(spark);
  }

  // ---------------------------------------------------------------- producers

  private Map<String, Object> kafkaKms(String user) {
    Map<String, Object> p = new HashMap<>();
    p.put("pipeseal.kms.uri", kms.uri().toString());
    p.put("pipeseal.kms.provider.user", user);
    p.put("pipeseal.kms.audit.sink", "none");
    p.put("pipeseal.kms.retries", "1");
    p.put("pipeseal.kms.timeout", "15s");
    return p;
  }

  /**
   * Produces records {@code [from, to)} to both topics with fresh producers, and remembers them.
   */
  private void produce(int from, int to) throws Exception {
    Map<String, Object> fields = kafkaKms(ETL);
    fields.put("key.serializer", StringSerializer.class.getName());
    fields.put("value.serializer", EncryptingSerializer.class.getName());
    fields.put("pipeseal.serializer", StringSerializer.class.getName());
    fields.put("pipeseal.mode", "json-fields");
    fields.put("pipeseal.fields", "/name,/email,/ssn,/bio");
    fields.put("pipeseal.master-key", PII);
    fields.put("pipeseal.dek.max-wait", "40s");
    Map<String, Object> whole = new HashMap<>(fields);
    whole.remove("pipeseal.mode");
    whole.remove("pipeseal.fields");
    whole.put("pipeseal.master-key", EMBED);
    try (KafkaProducer<String, String> p = broker.producer(fields);
        KafkaProducer<String, String> e = broker.producer(whole)) {
      for (int id = from; id < to; id++) {
        TrainingRecord r = TrainingRecord.of(id);
        String key = Long.toString(id);
        p.send(new ProducerRecord<>(profiles, key, r.profileJson()));
        e.send(new ProducerRecord<>(embeddings, key, r.embeddingJson()));
        produced.add(r);
      }
      p.flush();
      e.flush();
    }
  }

  // ---------------------------------------------------------------- the streaming job

  private SparkSession session() {
    Map<String, String> kmsConf = new LinkedHashMap<>();
    kmsConf.put("pipeseal.kms.uri", kms.uri().toString());
    kmsConf.put("pipeseal.kms.provider.user", ETL);
    kmsConf.put("pipeseal.kms.audit.sink", "none");
    kmsConf.put("pipeseal.kms.retries", "0");
    kmsConf.put("pipeseal.kms.timeout", "5s");
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal-training-pipeline")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.streaming.stopActiveRunOnRestart", "true")
            .config("spark.sql.extensions", PipesealExtensions.class.getName())
            .config("spark.pipeseal.registry.location", registry.toUri().toString())
            .config("spark.pipeseal.default-master-key", PII)
            // Parquet modular encryption through the same bridge.
            .config(
                "spark.hadoop.parquet.crypto.factory.class", PipesealCryptoFactory.class.getName())
            .config("spark.hadoop.pipeseal.parquet.columns." + PII, String.join(",", PII_FIELDS))
            .config("spark.hadoop.pipeseal.parquet.columns." + EMBED, "embedding")
            .config("spark.hadoop.pipeseal.parquet.footer.key", EMBED)
            .config("spark.hadoop.pipeseal.parquet.key-material", "external");
    kmsConf.forEach(
        (k, v) -> {
          b.config("spark." + k, v);
          b.config("spark.hadoop." + k, v);
        });
    return b.getOrCreate();
  }

  private Dataset<Row> kafka(String topic) {
    return spark
        .readStream()
        .format("kafka")
        .option("kafka.bootstrap.servers", broker.bootstrap())
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .option("maxOffsetsPerTrigger", "150")
        .load();
  }

  /** The job: decrypt both topics, join on the id, tokenize it, land PME-encrypted Parquet. */
  private StreamingQuery startStream(Trigger trigger) throws Exception {
    List<String> profileCols = new ArrayList<>();
    profileCols.add("CAST(get_json_object(json, '$.id') AS BIGINT) AS id");
    for (String f : PII_FIELDS) {
      // A JSON field's plaintext is its JSON text (a string keeps its quotes).
      profileCols.add(
          ("from_json(concat('{\"v\":', CAST(pipeseal_decrypt_binary("
                  + "unbase64(get_json_object(json, '$.%1$s')), '%2$s/%1$s') AS STRING), '}'),"
                  + " 'v STRING').v AS %1$s")
              .formatted(f, profiles));
    }
    Dataset<Row> people =
        kafka(profiles)
            .selectExpr("CAST(value AS STRING) AS json")
            .selectExpr(profileCols.toArray(String[]::new));
    Dataset<Row> vectors =
        kafka(embeddings)
            .selectExpr(
                "from_json(CAST(pipeseal_decrypt_binary(value, '"
                    + embeddings
                    + "') AS STRING), 'id BIGINT, embedding ARRAY<FLOAT>') AS e")
            .selectExpr("e.id AS vid", "e.embedding AS embedding");
    Dataset<Row> joined =
        people
            .join(vectors, people.col("id").equalTo(vectors.col("vid")))
            .selectExpr(
                "pipeseal_encrypt_deterministic(CAST(id AS STRING), '"
                    + PII
                    + "', '"
                    + TOKEN_CONTEXT
                    + "') AS user_token",
                "name",
                "email",
                "ssn",
                "bio",
                "embedding");
    return joined
        .writeStream()
        .format("parquet")
        .option("path", lake.toString())
        .option("checkpointLocation", checkpoint.toString())
        .trigger(trigger)
        .start();
  }

  private void runStream() throws Exception {
    StreamingQuery q = startStream(Trigger.AvailableNow());
    q.awaitTermination();
  }

  // ---------------------------------------------------------------- reading the lake back

  private List<TrainingRecord> lakeRows(SparkSession s) {
    return lakeRows(s, Map.of());
  }

  private List<TrainingRecord> lakeRows(SparkSession s, Map<String, String> readOptions) {
    List<Row> rows =
        s.read()
            .options(readOptions)
            .parquet(lake.toString())
            .selectExpr(
                "CAST(pipeseal_decrypt(user_token, 'string', '" + TOKEN_CONTEXT + "') AS BIGINT)",
                "name",
                "email",
                "ssn",
                "bio",
                "embedding")
            .collectAsList();
    List<TrainingRecord> out = new ArrayList<>(rows.size());
    for (Row r : rows) {
      List<Float> v = r.getList(5);
      float[] vector = new float[v.size()];
      for (int i = 0; i < vector.length; i++) {
        vector[i] = v.get(i);
      }
      out.add(
          new TrainingRecord(
              r.getLong(0),
              r.getString(1),
              r.getString(2),
              r.getString(3),
              r.getString(4),
              vector));
    }
    return out;
  }

  private void assertLakeHoldsExactlyWhatWasProduced(SparkSession s) {
    assertLakeHoldsExactlyWhatWasProduced(s, Map.of());
  }

  private void assertLakeHoldsExactlyWhatWasProduced(SparkSession s, Map<String, String> options) {
    List<TrainingRecord> rows = lakeRows(s, options);
    Set<Long> ids = rows.stream().map(TrainingRecord::id).collect(Collectors.toSet());
    assertThat(ids).as("no record twice").hasSize(rows.size());
    assertThat(rows).as("exactly the produced records").hasSameSizeAs(produced);
    assertThat(rows).containsExactlyInAnyOrderElementsOf(produced);
  }

  private List<Path> dataFiles() throws Exception {
    try (Stream<Path> s = Files.list(lake)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
  }

  private Map<String, String> fileDigests() throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (Path f : dataFiles()) {
      out.put(
          f.getFileName().toString(),
          HexFormat.of()
              .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
    }
    return out;
  }

  // ---------------------------------------------------------------- jobs

  private String[] rotateArgs(String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.addAll(
        List.of(
            "--engine",
            "local",
            "--kms",
            kms.uri().toString(),
            "--conf",
            "pipeseal.kms.provider.user=" + ETL,
            "--conf",
            "pipeseal.kms.audit.sink=none"));
    return a.toArray(String[]::new);
  }

  private Cli cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        PipesealCli.run(
            rotateArgs(args),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Cli(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private record Cli(int code, String out, String err) {}

  private Set<String> masterKeyVersions() throws Exception {
    Path report = dir.resolve("inventory-" + System.nanoTime() + ".json");
    Cli r = cli("inventory", lake.toString(), "--report", report.toString());
    assertThat(r.code).as(r.out + r.err).isZero();
    Set<String> out = new TreeSet<>();
    new ObjectMapper()
        .readTree(Files.readString(report))
        .get("files")
        .forEach(f -> f.at("/info/keys").forEach(k -> out.add(k.get("masterKeyVersion").asText())));
    return out;
  }

  private static List<JsonNode> auditedUnwraps(Path audit) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(audit)) {
      JsonNode e = json.readTree(line);
      if (e.path("op").asText().contains("unwrap") || e.path("op").asText().contains("decrypt")) {
        out.add(e);
      }
    }
    return out;
  }

  private static String stackTrace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  /** Every cache that could answer for a key without asking the KMS again. */
  private static void resetKeyCaches() {
    KeyToolkit.removeCacheEntriesForAllTokens();
    SharedKmsBridges.closeAll();
  }
}
