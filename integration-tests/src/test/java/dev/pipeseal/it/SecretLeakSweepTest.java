package dev.pipeseal.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.kms.testing.MotoServer;
import dev.pipeseal.kms.vault.VaultStub;
import dev.pipeseal.parquet.kms.PipesealKmsClient;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.spark.PipesealExtensions;
import dev.pipeseal.spark.config.PipesealSparkConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Secret-leak sweep: the pipeline runs end to end with distinctive secrets (the key-store password,
 * a wrong password an operator mistyped, the AWS secret access key on moto, a Vault token and a
 * revoked one on the Vault contract stub) and every place text goes is scanned for them and for the
 * DEKs and KEKs the run used: every log event (log4j2, which Spark, Kafka and SLF4J log through),
 * everything printed to stdout and stderr, the audit logs, the jobs' JSON reports and CLI output,
 * every exception the run met (causes and suppressed, as a printed trace shows them), the {@code
 * toString()} of the configuration objects, and every file the run left (lake, key material,
 * registry, checkpoints), raw and as text.
 *
 * <p>The keys are the test's own unwraps of what the run stored: inline keys of Kafka records,
 * registry records of the Spark cells, and Parquet's KEKs and DEKs from the lake's key material.
 * They are compared, never printed. A second scanner with planted canaries proves every channel is
 * actually captured and searched.
 */
class SecretLeakSweepTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final LeakScanner scanner = new LeakScanner();
  private final LeakScanner canaries = new LeakScanner();
  private final Map<String, String> texts = new LinkedHashMap<>();
  private final Map<String, Throwable> failures = new LinkedHashMap<>();
  private final Set<Path> secretHolders = new LinkedHashSet<>();
  private int keysCollected;
  private long phaseStart = System.nanoTime();
  private final List<String> phases = new ArrayList<>();

  /** Records how long the step that just ended took, for the run's summary line. */
  private void phase(String name) {
    long now = System.nanoTime();
    phases.add(String.format("%s=%.1fs", name.replace(' ', '-'), (now - phaseStart) / 1e9));
    phaseStart = now;
  }

  @Test
  void noSecretOrKeyReachesLogsOutputReportsExceptionsOrFiles() throws Exception {
    String run = HexFormat.of().formatHex(random(6));
    String password = "ksPw-" + run + "-Vq7";
    String wrongPassword = "typoPw-" + run + "-Lm2";
    String awsSecret = "awsSecret/" + run + "+Kx93";
    scanner.secret("key-store password", password);
    scanner.secret("mistyped key-store password", wrongPassword);
    scanner.secret("AWS secret access key", awsSecret);
    String vaultToken = "hvs.sweep" + run + "Tq4";
    String revokedToken = "hvs.revoked" + run + "Zr8";
    scanner.secret("Vault token", vaultToken);
    scanner.secret("revoked Vault token", revokedToken);
    plantCanaries(run);

    Path demo = dir.resolve("demo");
    Files.createDirectories(demo);
    Path passwordFile = holder(demo.resolve("keystore.password"), password);
    Path wrongFile = holder(dir.resolve("mistyped.password"), wrongPassword);
    Path awsSecretFile = holder(dir.resolve("aws.secret"), awsSecret);
    Path awsIdFile = holder(dir.resolve("aws.id"), "AKIASWEEP" + run);
    Path vaultTokenFile = holder(dir.resolve("vault.token"), vaultToken);
    Path revokedTokenFile = holder(dir.resolve("revoked.token"), revokedToken);
    Map<String, String> local = new LinkedHashMap<>();
    local.put("pipeseal.kms.uri", "local://" + demo.resolve("keys.p12"));
    local.put("pipeseal.kms.provider.password", "file:" + passwordFile);
    local.put("pipeseal.kms.audit.sink", "file");
    local.put("pipeseal.kms.audit.file", dir.resolve("audit-sweep.jsonl").toString());
    Map<String, String> mistyped = new LinkedHashMap<>(local);
    mistyped.put("pipeseal.kms.provider.password", "file:" + wrongFile);

    SparkSession spark = null;
    KafkaBroker broker = null;
    MotoServer moto = null;
    try (OutputCapture capture = OutputCapture.start()) {
      spark =
          SparkSession.builder()
              .master("local[2]")
              .appName("leak-sweep")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.sql.extensions", PipesealExtensions.class.getName())
              .getOrCreate();

      // Spark: the demo writes an encrypted lake (PME columns and Pipeseal cells), rotates,
      // verifies and refuses tampered data, under the key-store password it finds in its dir.
      phase("spark session");
      cli("demo", "demo", "--dir", demo.toString(), "--rows", "10").requireOk();
      phase("demo");
      capture.reopen(); // the demo turned Spark's logging down to WARN
      Path lake = demo.resolve("lake");
      Path registry = demo.resolve("registry");

      // The keys CLI, right and wrong.
      cli("keys create", withKms(local, "keys", "create", "events")).requireOk();
      cli("keys list", withKms(local, "keys", "list", "--json")).requireOk();
      cli("keys rotate", withKms(local, "keys", "rotate", "events")).requireOk();
      cli("keys describe", withKms(local, "keys", "describe", "events", "--json")).requireOk();
      cli("keys rewrap", withKms(local, "keys", "rewrap", "--registry", registry.toString()))
          .requireOk();
      assertThat(cli("keys list mistyped", withKms(mistyped, "keys", "list")).code).isNotZero();

      phase("keys CLI");
      // The jobs, with their JSON reports, right and wrong.
      for (String job : List.of("inventory", "verify", "rotate")) {
        Path report = dir.resolve("reports/" + job + ".json");
        Files.createDirectories(report.getParent());
        cli(job, jobArgs(local, job, lake, "--report", report.toString())).requireOk();
      }
      Path failedReport = dir.resolve("reports/verify-mistyped.json");
      Cli failed =
          cli(
              "verify mistyped",
              jobArgs(mistyped, "verify", lake, "--report", failedReport.toString()));
      assertThat(failed.code).isNotZero();

      // Kafka: fields and whole values through the serdes, a tampered record, a consumer with the
      // mistyped password.
      phase("jobs");
      broker = KafkaBroker.start();
      KafkaBroker kafka = broker;
      String fields = broker.createTopic("sweep-fields", 2, false);
      String whole = broker.createTopic("sweep-whole", 2, false);
      int n = 60;
      produce(broker, local, fields, n, true);
      produce(broker, local, whole, n, false);
      assertThat(consume(broker, local, fields, n, true)).isEqualTo(n);
      assertThat(consume(broker, local, whole, n, false)).isEqualTo(n);
      tamperAndConsume(broker, local, whole);
      failures.put(
          "consumer with the mistyped password",
          catchThrowable(() -> consume(kafka, mistyped, whole, 1, false)));

      phase("kafka");
      // AWS KMS on moto: key created by the CLI, records produced and consumed, an unknown key.
      Optional<MotoServer> server =
          MotoServer.startIfInstalled(Files.createDirectories(dir.resolve("moto")));
      Map<String, String> aws = null;
      if (server.isPresent()) {
        moto = server.get();
        aws = new LinkedHashMap<>();
        aws.put("pipeseal.kms.uri", "aws-kms://us-east-1");
        aws.put("pipeseal.kms.provider.endpoint", moto.endpoint().toString());
        aws.put("pipeseal.kms.provider.access-key-id", "file:" + awsIdFile);
        aws.put("pipeseal.kms.provider.secret-access-key", "file:" + awsSecretFile);
        aws.put("pipeseal.kms.audit.sink", "file");
        aws.put("pipeseal.kms.audit.file", dir.resolve("audit-aws.jsonl").toString());
        cli("keys create aws", withKms(aws, "keys", "create", "events")).requireOk();
        cli("keys list aws", withKms(aws, "keys", "list", "--json")).requireOk();
        assertThat(cli("keys describe aws unknown", withKms(aws, "keys", "describe", "nope")).code)
            .isNotZero();
        awsTopic = broker.createTopic("sweep-aws", 1, false);
        produce(broker, aws, awsTopic, 20, false);
        assertThat(consume(broker, aws, awsTopic, 20, false)).isEqualTo(20);
        Map<String, String> unknownKey = new LinkedHashMap<>(aws);
        unknownKey.put("master-key-override", "nope");
        unknownKey.put("pipeseal.kms.retries", "0");
        failures.put(
            "producer under an unknown AWS key",
            catchThrowable(() -> produce(kafka, unknownKey, awsTopic, 1, false)));
      } else if (System.getenv("CI") != null) {
        throw new AssertionError(MotoServer.MISSING);
      }

      phase("aws");
      // Vault Transit (the contract stub): a token by reference, a key made by the CLI, records
      // through Kafka, and a revoked token.
      try (VaultStub vault = new VaultStub()) {
        vault.acceptToken(vaultToken);
        Map<String, String> v = new LinkedHashMap<>();
        v.put("pipeseal.kms.uri", vault.address() + "/transit");
        v.put("pipeseal.kms.provider.token", "file:" + vaultTokenFile);
        v.put("pipeseal.kms.provider.namespace", VaultStub.NAMESPACE);
        v.put("pipeseal.kms.audit.sink", "file");
        v.put("pipeseal.kms.audit.file", dir.resolve("audit-vault.jsonl").toString());
        Map<String, String> revoked = new LinkedHashMap<>(v);
        revoked.put("pipeseal.kms.provider.token", "file:" + revokedTokenFile);
        revoked.put("pipeseal.kms.retries", "0");
        cli("keys create vault", withKms(v, "keys", "create", "events")).requireOk();
        cli("keys list vault", withKms(v, "keys", "list", "--json")).requireOk();
        assertThat(cli("keys list vault revoked", withKms(revoked, "keys", "list")).code)
            .isNotZero();
        String vaultTopic = broker.createTopic("sweep-vault", 1, false);
        produce(broker, v, vaultTopic, 20, false);
        assertThat(consume(broker, v, vaultTopic, 20, false)).isEqualTo(20);
        failures.put(
            "producer with a revoked Vault token",
            catchThrowable(() -> produce(kafka, revoked, vaultTopic, 1, false)));
        texts.put("toString KmsBridgeConfig vault", KmsBridgeConfig.fromProperties(v).toString());
        try (KmsBridge b = KmsBridge.open(v)) {
          texts.put("toString vault KmsBridge", b.toString());
          recordKeysOf(broker, b, vaultTopic, 20, false, "Vault Kafka DEK");
        }
      }
      phase("vault");
      // The configuration objects, as a log line or a debugger would show them.
      texts.put("toString KmsBridgeConfig local", KmsBridgeConfig.fromProperties(local).toString());
      texts.put(
          "toString KmsBridgeConfig mistyped", KmsBridgeConfig.fromProperties(mistyped).toString());
      try (KmsBridge b = KmsBridge.open(local)) {
        texts.put("toString KmsBridge", b.toString());
      }
      Map<String, String> sparkConf = new LinkedHashMap<>();
      local.forEach((k, v) -> sparkConf.put("spark." + k, v));
      sparkConf.put(PipesealSparkConfig.REGISTRY_LOCATION, registry.toString());
      texts.put("toString PipesealSparkConfig", PipesealSparkConfig.parse(sparkConf).toString());
      texts.put("SparkConf", spark.sparkContext().getConf().toDebugString());
      texts.put("Spark session conf", spark.conf().getAll().toString());
      if (aws != null) {
        texts.put("toString KmsBridgeConfig aws", KmsBridgeConfig.fromProperties(aws).toString());
        try (KmsBridge b = KmsBridge.open(aws)) {
          texts.put("toString aws KmsBridge", b.toString());
        }
      }

      // The keys the run used: unwrapped here, only to be searched for.
      try (KmsBridge b = KmsBridge.open(local)) {
        recordKeysOf(broker, b, fields, n, true, "Kafka field DEK");
        recordKeysOf(broker, b, whole, n, false, "Kafka value DEK");
        try (KeyRegistry r = KeyRegistries.open(registry)) {
          Iterator<RegistryRecord> it = r.list().iterator();
          while (it.hasNext()) {
            recordKey("registry DEK", b, it.next().wrapped());
          }
        }
      }
      recordParquetKeys(lake, local);
      if (aws != null) {
        try (KmsBridge b = KmsBridge.open(aws)) {
          recordKeysOf(broker, b, awsTopic, 20, false, "AWS Kafka DEK");
        }
      }

      phase("keys unwrapped");
      plantThroughEveryChannel(run, dir);

      for (String e : capture.events()) {
        scanBoth("log event", e);
      }
      scanBoth("stdout/stderr", capture.streams());
    } finally {
      if (spark != null) {
        spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
      }
      SharedKmsBridges.closeAll();
      KeyToolkit.removeCacheEntriesForAllTokens();
      if (broker != null) {
        broker.close();
      }
      if (moto != null) {
        moto.close();
      }
    }

    texts.forEach(this::scanBoth);
    failures.forEach(
        (where, t) -> {
          assertThat(t).as(where + " failed as expected").isNotNull();
          scanner.scanThrowable("exception: " + where, t);
          canaries.scanThrowable("exception: " + where, t);
        });
    scanner.scanFiles(dir, secretHolders);
    canaries.scanFiles(dir, secretHolders);

    phase("scanned");
    // The sweep can fail: each planted canary was found where it was planted.
    assertThat(canaries.hits())
        .anySatisfy(h -> assertThat(h).startsWith("canary log4j in log event"))
        .anySatisfy(h -> assertThat(h).startsWith("canary slf4j in log event"))
        .anySatisfy(h -> assertThat(h).startsWith("canary stderr in stdout/stderr"))
        .anySatisfy(h -> assertThat(h).startsWith("canary suppressed in exception"))
        .anySatisfy(h -> assertThat(h).startsWith("canary cause in exception"))
        .anySatisfy(h -> assertThat(h).startsWith("canary DEK hex in log event"))
        .anySatisfy(h -> assertThat(h).startsWith("canary DEK base64 in file"))
        .anySatisfy(h -> assertThat(h).startsWith("canary DEK raw (raw) in file"));
    // The run produced what the sweep claims to have looked at.
    assertThat(keysCollected).as("keys unwrapped for the sweep").isGreaterThanOrEqualTo(5);
    assertThat(texts.keySet())
        .anySatisfy(k -> assertThat(k).startsWith("audit"))
        .anySatisfy(k -> assertThat(k).startsWith("report"));
    assertThat(failures).hasSizeGreaterThanOrEqualTo(2);

    System.out.println(
        "LEAK-SWEEP "
            + scanner.summary()
            + " keys="
            + keysCollected
            + " failures="
            + failures.size()
            + " phases: "
            + String.join(" ", phases));
    assertThat(scanner.hits()).as("secrets or keys found").isEmpty();
  }

  // ---------------------------------------------------------------- the pipeline's steps

  private static final String[] FIELDS = {"name", "ssn"};

  private static String record(int i) {
    return "{\"id\":" + i + ",\"name\":\"Person " + i + "\",\"ssn\":\"078-05-" + (1000 + i) + "\"}";
  }

  private Map<String, Object> serdeProps(Map<String, String> kms, boolean fieldMode) {
    Map<String, Object> p = new HashMap<>(kms);
    String master = (String) p.remove("master-key-override");
    p.put("pipeseal.master-key", master == null ? "events" : master);
    p.put("pipeseal.serializer", StringSerializer.class.getName());
    p.put("pipeseal.deserializer", StringDeserializer.class.getName());
    if (fieldMode) {
      p.put("pipeseal.mode", "json-fields");
      p.put("pipeseal.fields", "/name,/ssn");
    }
    return p;
  }

  private void produce(
      KafkaBroker broker, Map<String, String> kms, String topic, int n, boolean fieldMode)
      throws Exception {
    Map<String, Object> p = serdeProps(kms, fieldMode);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", EncryptingSerializer.class.getName());
    p.put("max.block.ms", "20000");
    try (KafkaProducer<String, String> producer = broker.producer(p)) {
      texts.put("toString serializer " + topic, producer.toString());
      for (int i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, Integer.toString(i), record(i))).get();
      }
    }
  }

  private int consume(
      KafkaBroker broker, Map<String, String> kms, String topic, int n, boolean fieldMode) {
    Map<String, Object> p = serdeProps(kms, fieldMode);
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", DecryptingDeserializer.class.getName());
    int ok = 0;
    try (KafkaConsumer<String, String> c = broker.consumer(p)) {
      for (ConsumerRecord<String, String> r : KafkaBroker.drain(c, topic, n)) {
        assertThat(r.value()).isEqualTo(record(Integer.parseInt(r.key())));
        ok++;
      }
    }
    return ok;
  }

  private void tamperAndConsume(KafkaBroker broker, Map<String, String> kms, String topic)
      throws Exception {
    ConsumerRecord<byte[], byte[]> first = broker.readRaw(topic, 1).get(0);
    byte[] evil = first.value().clone();
    evil[evil.length - 1] ^= 1;
    String tampered = broker.createTopic("sweep-tampered", 1, false);
    Map<String, Object> raw = new HashMap<>();
    raw.put("key.serializer", ByteArraySerializer.class.getName());
    raw.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> p = broker.producer(raw)) {
      ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(tampered, first.key(), evil);
      first.headers().forEach(h -> r.headers().add(h));
      p.send(r).get();
    }
    failures.put(
        "consumer of a tampered record",
        catchThrowable(() -> consume(broker, kms, tampered, 1, false)));
  }

  private String awsTopic;

  // ---------------------------------------------------------------- keys, for the scanner only

  private void recordKeysOf(
      KafkaBroker broker, KmsBridge kms, String topic, int n, boolean fieldMode, String label)
      throws Exception {
    EnvelopeKeys keys = EnvelopeKeys.inline(kms);
    Set<KeyReference> seen = new LinkedHashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : broker.readRaw(topic, n)) {
      List<byte[]> envelopes = new ArrayList<>();
      if (fieldMode) {
        JsonNode v = JSON.readTree(r.value());
        for (String f : FIELDS) {
          envelopes.add(Base64.getDecoder().decode(v.get(f).asText()));
        }
      } else {
        envelopes.add(r.value());
      }
      for (byte[] e : envelopes) {
        KeyReference ref = Envelope.parseHeader(e).keyReference();
        if (seen.add(ref)) {
          try (DataKey dek = keys.unwrap(ref)) {
            addKey(label, dek);
          }
        }
      }
    }
  }

  private void recordKey(String label, KmsBridge kms, dev.pipeseal.kms.WrappedKey wrapped) {
    try (DataKey dek = dev.pipeseal.kms.KmsCalls.await(kms.unwrap(wrapped))) {
      addKey(label, dek);
    }
  }

  private void addKey(String label, DataKey key) {
    byte[] bytes = key.withMaterial(byte[]::clone);
    try {
      scanner.key(label + " #" + keysCollected++, bytes);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /** Parquet's own keys: the KEKs (unwrapped by the bridge) and the DEKs they wrap. */
  private void recordParquetKeys(Path lake, Map<String, String> kms) throws Exception {
    Configuration conf = new Configuration(false);
    kms.forEach(conf::set);
    PipesealKmsClient client = new PipesealKmsClient();
    client.initialize(conf, "DEFAULT", "DEFAULT", "DEFAULT");
    List<Path> materials;
    try (Stream<Path> s = Files.walk(lake)) {
      materials =
          s.filter(p -> p.getFileName().toString().startsWith("_KEY_MATERIAL_FOR_")).toList();
    }
    assertThat(materials).isNotEmpty();
    int before = keysCollected;
    for (Path m : materials) {
      Iterator<Map.Entry<String, JsonNode>> entries = JSON.readTree(m.toFile()).fields();
      while (entries.hasNext()) {
        JsonNode v = entries.next().getValue();
        JsonNode km = v.isTextual() ? JSON.readTree(v.asText()) : v;
        if (!km.has("wrappedDEK")) {
          continue;
        }
        String master = km.get("masterKeyID").asText();
        byte[] dek;
        if (km.path("doubleWrapping").asBoolean(false)) {
          byte[] kek = client.unwrapKey(km.get("wrappedKEK").asText(), master);
          scanner.key("Parquet KEK #" + keysCollected++, kek);
          dek =
              KeyToolkit.decryptKeyLocally(
                  km.get("wrappedDEK").asText(),
                  kek,
                  Base64.getDecoder().decode(km.get("keyEncryptionKeyID").asText()));
          Arrays.fill(kek, (byte) 0);
        } else {
          dek = client.unwrapKey(km.get("wrappedDEK").asText(), master);
        }
        scanner.key("Parquet DEK #" + keysCollected++, dek);
        Arrays.fill(dek, (byte) 0);
      }
    }
    assertThat(keysCollected).as("Parquet keys").isGreaterThan(before);
  }

  // ---------------------------------------------------------------- the scanner's self-check

  private String canarySecret(String label, String run) {
    String value = "canary-" + label.replace(' ', '-') + "-" + run;
    canaries.secret("canary " + label, value);
    return value;
  }

  private final Map<String, String> planted = new LinkedHashMap<>();
  private byte[] canaryHexKey;
  private byte[] canaryB64Key;
  private byte[] canaryRawKey;

  private void plantCanaries(String run) {
    for (String label : List.of("log4j", "slf4j", "stderr", "suppressed", "cause")) {
      planted.put(label, canarySecret(label, run));
    }
    canaryHexKey = random(32);
    canaryB64Key = random(32);
    canaryRawKey = random(32);
    canaries.key("canary DEK hex", canaryHexKey);
    canaries.key("canary DEK base64", canaryB64Key);
    canaries.key("canary DEK raw", canaryRawKey);
  }

  /** Leaks the canaries the way a bug would, once through each channel the sweep reads. */
  private void plantThroughEveryChannel(String run, Path where) throws Exception {
    org.apache.logging.log4j.LogManager.getLogger("dev.pipeseal.sweep")
        .warn("password={}", planted.get("log4j"));
    LoggerFactory.getLogger("dev.pipeseal.sweep").warn("token={}", planted.get("slf4j"));
    org.apache.logging.log4j.LogManager.getLogger("org.apache.spark.sweep")
        .info("dek={}", HexFormat.of().formatHex(canaryHexKey));
    System.err.println("pin=" + planted.get("stderr"));
    IllegalStateException withSuppressed = new IllegalStateException("close failed");
    withSuppressed.addSuppressed(new RuntimeException("secret " + planted.get("suppressed")));
    failures.put("canary suppressed", withSuppressed);
    failures.put(
        "canary cause",
        new IllegalStateException(
            "outer", new IllegalArgumentException("inner " + planted.get("cause"))));
    Path leaky = where.resolve("leaky/report.json");
    Files.createDirectories(leaky.getParent());
    Files.writeString(
        leaky, "{\"dek\":\"" + Base64.getEncoder().encodeToString(canaryB64Key) + "\"}");
    Files.write(where.resolve("leaky/dump.bin"), canaryRawKey);
  }

  // ---------------------------------------------------------------- helpers

  private void scanBoth(String where, String text) {
    scanner.scanText(where, text);
    canaries.scanText(where, text);
  }

  private Path holder(Path file, String secret) throws Exception {
    Files.writeString(file, secret + "\n");
    secretHolders.add(file.toAbsolutePath().normalize());
    return file;
  }

  private static String[] withKms(Map<String, String> kms, String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    kms.forEach(
        (k, v) -> {
          if (k.equals("pipeseal.kms.uri")) {
            a.add("--kms");
            a.add(v);
          } else {
            a.add("--conf");
            a.add(k + "=" + v);
          }
        });
    return a.toArray(String[]::new);
  }

  private static String[] jobArgs(Map<String, String> kms, String job, Path lake, String... extra) {
    List<String> a = new ArrayList<>(List.of(job, lake.toString(), "--engine", "local"));
    a.addAll(List.of(extra));
    a.addAll(List.of("--conf", "pipeseal.parquet.table=demo.records"));
    return withKms(kms, a.toArray(String[]::new));
  }

  private Cli cli(String what, String... args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        PipesealCli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    Cli c =
        new Cli(
            what, code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    texts.put("cli " + what + " stdout", c.out);
    texts.put("cli " + what + " stderr", c.err);
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--report")) {
        Path report = Path.of(args[i + 1]);
        if (Files.exists(report)) {
          texts.put("report " + what, Files.readString(report));
        }
      }
    }
    for (String audit :
        List.of("audit-sweep.jsonl", "audit-aws.jsonl", "audit-vault.jsonl", "demo/audit.jsonl")) {
      Path f = dir.resolve(audit);
      if (Files.exists(f)) {
        texts.put("audit " + audit, Files.readString(f));
      }
    }
    return c;
  }

  private record Cli(String what, int code, String out, String err) {
    void requireOk() {
      assertThat(code).as("%s exit code; stderr: %s", what, err).isZero();
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }
}
