package dev.pipeseal.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.jobs.run.FaultInjection;
import dev.pipeseal.jobs.testing.Lakes;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.kms.testing.MotoServer;
import dev.pipeseal.registry.KeyRegistries;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo lake (local key store) migrated to AWS KMS on a moto_server child process with {@code
 * rotate --to} and its key registry with {@code keys rewrap --to}; afterwards it reads with AWS
 * alone configured.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MigrateDemoLakeToAwsTest {
  private static final String AWS = "aws-kms://us-east-1";
  private static final long SEED = 42;
  private static final int ROWS = 120;

  @TempDir static Path dir;
  private MotoServer moto;
  private Map<String, String> awsOnly;

  @BeforeAll
  void startMoto() throws IOException {
    Optional<MotoServer> server = MotoServer.startIfInstalled(dir);
    assumeTrue(server.isPresent(), MotoServer.MISSING);
    moto = server.get();
    Files.writeString(dir.resolve("aws.id"), "testing\n");
    Files.writeString(dir.resolve("aws.secret"), "testing\n");
    awsOnly = new LinkedHashMap<>();
    awsOnly.put("pipeseal.kms.uri", AWS);
    awsOnly.put("pipeseal.kms.provider.endpoint", moto.endpoint().toString());
    awsOnly.put("pipeseal.kms.provider.access-key-id", "file:" + dir.resolve("aws.id"));
    awsOnly.put("pipeseal.kms.provider.secret-access-key", "file:" + dir.resolve("aws.secret"));
    awsOnly.put("pipeseal.kms.audit.sink", "none");
  }

  @AfterEach
  void clean() {
    FaultInjection.install(null);
    Lakes.resetCaches();
  }

  @AfterAll
  void stopMoto() {
    if (moto != null) {
      moto.close();
    }
  }

  /** A killed run (an Error at a step, like a kill -9 between two instructions). */
  static final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;

    SimulatedCrash(String where) {
      super("simulated crash " + where);
    }
  }

  @Test
  void demoLakeAndRegistryMoveFromTheLocalStoreToAwsAndReadWithAwsAlone() throws Exception {
    Path demo = dir.resolve("demo");
    var written =
        Lakes.cli("demo", "--dir", demo.toString(), "--rows", "" + ROWS, "--seed", "" + SEED);
    assertThat(written.code()).as(written.out() + written.err()).isZero();
    Lakes.resetCaches();
    Path lake = demo.resolve("lake");
    Path registry = demo.resolve("registry");
    List<Path> files = DemoJob.dataFiles(lake);
    Map<Path, byte[]> dataBefore = bytes(files);
    // Subject keys (crypto-shredding) in the same registry, made by the local store: they must
    // move too, or they would die with it.
    Map<SubjectHash, String> subjectDeks = new HashMap<>();
    Map<String, String> localStore = new LinkedHashMap<>();
    localStore.put("pipeseal.kms.uri", "local://" + demo.resolve("keys.p12"));
    localStore.put("pipeseal.kms.provider.password", "file:" + demo.resolve("keystore.password"));
    SubjectHasher hasher =
        SubjectHasher.of("test-only subject PRF key, 32+ bytes".getBytes(StandardCharsets.UTF_8));
    try (KmsBridge local = KmsBridge.open(localStore);
        SubjectKeyRegistry subjects = KeyRegistries.openSubjects(registry.toString(), Map.of())) {
      List<SubjectHash> ids = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ids.add(hasher.hash("user-" + i));
      }
      for (SubjectKey k :
          subjects
              .keysFor(
                  ids,
                  () -> {
                    try (DataKeyPair pair = KmsCalls.await(local.generateDataKey(DemoJob.PII))) {
                      return pair.wrapped();
                    }
                  })
              .values()) {
        try (DataKey dek = KmsCalls.await(local.unwrap(k.wrapped()))) {
          subjectDeks.put(k.subject(), Lakes.fingerprint(dek));
        }
      }
    }
    assertThat(subjectDeks).hasSize(20);

    try (KmsBridge aws = KmsBridge.open(awsOnly)) {
      aws.admin().orElseThrow().createKey(DemoJob.PII);
      aws.admin().orElseThrow().createKey(DemoJob.EMBEDDINGS);
    }
    // The demo's local store as the writer, AWS configured as a reader: what an operator has
    // before migrating. Audit to a file, to see both sides of every moved key.
    Path audit = dir.resolve("migration-audit.jsonl");
    Map<String, String> both = new LinkedHashMap<>();
    both.put("pipeseal.kms.uri", "local://" + demo.resolve("keys.p12"));
    both.put("pipeseal.kms.provider.password", "file:" + demo.resolve("keystore.password"));
    awsOnly.forEach(
        (k, v) -> {
          if (k.startsWith("pipeseal.kms.provider.")) {
            both.put("pipeseal.kms.providers.aws." + k.substring(22), v);
          }
        });
    both.put("pipeseal.kms.providers.aws.uri", AWS);
    both.put("pipeseal.kms.audit.sink", "file");
    both.put("pipeseal.kms.audit.file", audit.toString());
    Path bothConfig = properties("both.properties", both);
    Path awsConfig = properties("aws.properties", awsOnly);

    // Dry run: says what would move, changes no byte of the lake or the registry.
    Map<Path, byte[]> lakeBefore = tree(lake);
    Map<Path, byte[]> registryBefore = tree(registry);
    var dry =
        Lakes.cli(
            "rotate",
            lake.toString(),
            "--engine",
            "local",
            "--config",
            bothConfig.toString(),
            "--to",
            AWS,
            "--dry-run");
    assertThat(dry.code()).as(dry.out() + dry.err()).isZero();
    assertThat(dry.out()).contains("would_change=" + files.size());
    var dryKeys =
        Lakes.cli(
            "keys",
            "rewrap",
            "--registry",
            registry.toString(),
            "--config",
            bothConfig.toString(),
            "--to",
            AWS,
            "--dry-run");
    assertThat(dryKeys.code()).as(dryKeys.out() + dryKeys.err()).isZero();
    assertThat(dryKeys.out()).contains("would be moved to " + AWS);
    assertTreesEqual(tree(lake), lakeBefore);
    assertTreesEqual(tree(registry), registryBefore);

    // A run killed after the third file's new key material was written and checked.
    AtomicInteger hits = new AtomicInteger();
    FaultInjection.install(
        (point, file) -> {
          if (point.equals(FaultInjection.AFTER_WRITE) && hits.incrementAndGet() == 3) {
            throw new SimulatedCrash(point + " " + file);
          }
        });
    String[] migrate = {
      "rotate",
      lake.toString(),
      "--engine",
      "local",
      "--config",
      bothConfig.toString(),
      "--to",
      AWS,
      "--parallelism",
      "1",
      "--batch",
      "1",
      "--quiet"
    };
    assertThatThrownBy(() -> Lakes.cli(migrate)).isInstanceOf(SimulatedCrash.class);
    FaultInjection.install(null);
    Lakes.resetCaches();
    // Half migrated: every file reads with both providers configured.
    var midway =
        Lakes.cli(
            "verify", lake.toString(), "--engine", "local", "--config", bothConfig.toString());
    assertThat(midway.code()).as(midway.out() + midway.err()).isZero();
    assertThat(midway.out()).contains("done=" + files.size());

    Path report = dir.resolve("migrate.json");
    Lakes.resetCaches();
    List<String> rerun = new ArrayList<>(List.of(migrate));
    rerun.addAll(List.of("--report", report.toString()));
    var finished = Lakes.cli(rerun.toArray(String[]::new));
    assertThat(finished.code()).as(finished.out() + finished.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(Files.readString(report));
    assertThat(json.get("to").asText()).isEqualTo(AWS);
    assertThat(json.get("totals").get("resumed").asLong()).isEqualTo(2);
    assertThat(json.get("totals").get("done").asLong()).isEqualTo(files.size() - 2);
    assertThat(json.get("totals").get("failed").asLong()).isZero();

    var keys =
        Lakes.cli(
            "keys",
            "rewrap",
            "--registry",
            registry.toString(),
            "--config",
            bothConfig.toString(),
            "--to",
            AWS);
    assertThat(keys.code()).as(keys.out() + keys.err()).isZero();
    assertThat(keys.out())
        .contains("moved to " + AWS + " 2, failed 0")
        .contains("subject keys: 20, 20 stale, moved 20, failed 0");

    // External key material: only the small JSON files changed, never a data file.
    assertThat(bytes(files)).usingRecursiveComparison().isEqualTo(dataBefore);

    // The local store is gone from the configuration: AWS alone reads every page...
    Lakes.resetCaches();
    var verify =
        Lakes.cli("verify", lake.toString(), "--engine", "local", "--config", awsConfig.toString());
    assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
    assertThat(verify.out()).contains("done=" + files.size()).contains("failed=0");
    // ... every registry record ...
    try (KmsBridge aws = KmsBridge.open(awsOnly);
        KeyRegistry reg = KeyRegistries.open(registry.toString(), Map.of())) {
      List<KeyId> ids = reg.ids().toList();
      assertThat(ids).hasSize(2);
      for (KeyId id : ids) {
        RegistryRecord r = reg.read(id).orElseThrow();
        assertThat(r.wrapped().provider()).isEqualTo("aws-kms");
        try (DataKey dek = KmsCalls.await(aws.unwrap(r.wrapped()))) {
          assertThat(dek.isDestroyed()).isFalse();
        }
      }
    }
    // ... every subject key, to the DEK it held ...
    try (KmsBridge aws = KmsBridge.open(awsOnly);
        SubjectKeyRegistry subjects = KeyRegistries.openSubjects(registry.toString(), Map.of())) {
      List<SubjectKey> stored = new ArrayList<>();
      subjects.forEachStoredKey(stored::add);
      assertThat(stored).hasSize(20);
      for (SubjectKey k : stored) {
        assertThat(k.wrapped().provider()).isEqualTo("aws-kms");
        try (DataKey dek = KmsCalls.await(aws.unwrap(k.wrapped()))) {
          assertThat(Lakes.fingerprint(dek)).isEqualTo(subjectDeks.get(k.subject()));
        }
      }
    }
    // ... and every value, PME columns and Pipeseal cells, decrypts to what was written.
    Lakes.resetCaches();
    SparkSession spark = DemoJob.session(DemoJob.sparkConf(awsOnly, registry));
    try {
      DemoLake read = new DemoLake(spark, DemoJob.parquetOptions(awsOnly), lake.toString());
      long[] check = read.checkAll(new SyntheticRecords(SEED));
      assertThat(check).containsExactly(ROWS, 0);
    } finally {
      spark.stop();
    }

    // The local store alone can no longer open the lake: the keys really moved.
    Lakes.resetCaches();
    Map<String, String> localOnly = new LinkedHashMap<>(both);
    localOnly.keySet().removeIf(k -> k.startsWith("pipeseal.kms.providers."));
    var local =
        Lakes.cli(
            "verify",
            lake.toString(),
            "--engine",
            "local",
            "--config",
            properties("local.properties", localOnly).toString());
    assertThat(local.code()).isNotZero();

    // Audit on both sides: unwrapped by the local store, wrapped by AWS.
    String trail = Files.readString(audit);
    assertThat(trail)
        .contains("\"provider\":\"local\",\"key\":\"pii\"")
        .contains("\"op\":\"unwrap\"")
        .contains("\"provider\":\"aws-kms\",\"key\":\"pii\"")
        .contains("\"op\":\"wrap\"");
  }

  /** A {@code --config} file of {@code values}, bound to the demo's table as its jobs are. */
  private Path properties(String name, Map<String, String> values) throws IOException {
    Properties p = new Properties();
    p.putAll(values);
    p.put("pipeseal.parquet.table", DemoJob.TABLE);
    Path file = dir.resolve(name);
    try (Writer w = Files.newBufferedWriter(file)) {
      p.store(w, null);
    }
    return file;
  }

  private static Map<Path, byte[]> bytes(List<Path> files) throws IOException {
    Map<Path, byte[]> out = new TreeMap<>();
    for (Path f : files) {
      out.put(f, Files.readAllBytes(f));
    }
    return out;
  }

  /** Every regular file below {@code root} with its bytes. */
  private static Map<Path, byte[]> tree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return bytes(s.filter(Files::isRegularFile).toList());
    }
  }

  private static void assertTreesEqual(Map<Path, byte[]> actual, Map<Path, byte[]> expected) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    actual.forEach((p, b) -> assertThat(b).as(p.toString()).isEqualTo(expected.get(p)));
  }
}
