package dev.pipeseal.jobs.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.jobs.testing.Lakes;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code keys status}, {@code keys rotate --if-due} and {@code keys retire} on the demo's lake
 * (Parquet files with external key material, envelope cells by registry reference, a registry), a
 * real local key store and a clock the test sets.
 */
class KeyLifecycleCliTest {
  @TempDir Path dir;

  @AfterEach
  void clean() {
    Lakes.resetCaches();
  }

  private record Run(int code, String out, String err) {
    List<Map<String, Object>> lines() {
      return out.lines().filter(l -> l.startsWith("{")).map(FlatJson::parse).toList();
    }

    Map<String, Object> version(String key, String version) {
      return lines().stream()
          .filter(m -> key.equals(m.get("name")) && version.equals(m.get("version")))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no line for " + key + "@" + version + ": " + out));
    }
  }

  private Run run(Clock clock, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli =
        PipesealCli.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
    for (CommandLine c : cli.getSubcommands().get("keys").getSubcommands().values()) {
      if (c.getCommand() instanceof KeysCommand.KeysSubcommand k) {
        k.clock = clock;
      }
    }
    int code = cli.execute(args);
    Lakes.resetCaches();
    return new Run(code, out.toString(), err.toString());
  }

  private List<String> kmsArgs() {
    return List.of(
        "--kms",
        "local://" + dir.resolve("keys.p12"),
        "--conf",
        "pipeseal.kms.provider.password=file:" + dir.resolve("keystore.password"),
        "--conf",
        "pipeseal.kms.audit.sink=file",
        "--conf",
        "pipeseal.kms.audit.file=" + dir.resolve("admin-audit.jsonl"),
        // The demo binds its files to this table id; reading them (cells, verify) names it.
        "--conf",
        "pipeseal.parquet.table=demo.records",
        "--conf",
        "pipeseal.keys.rotation.period=30d",
        "--conf",
        "pipeseal.keys.rotation.grace=2d");
  }

  private String[] keys(String... args) {
    List<String> all = new ArrayList<>(List.of("keys"));
    all.addAll(Arrays.asList(args));
    all.addAll(kmsArgs());
    return all.toArray(String[]::new);
  }

  private static Clock at(Instant t) {
    return Clock.fixed(t, ZoneOffset.UTC);
  }

  private MasterKeyInfo describe(String name) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("pipeseal.kms.uri", "local://" + dir.resolve("keys.p12"));
    props.put("pipeseal.kms.provider.password", "file:" + dir.resolve("keystore.password"));
    try (KmsBridge kms = KmsBridge.open(props)) {
      return KmsCalls.await(kms.describe(name));
    }
  }

  /** Creates subject keys with DEKs from the demo's key store; returns their fingerprints. */
  private Map<SubjectHash, String> createSubjectKeys(String registry, int n) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("pipeseal.kms.uri", "local://" + dir.resolve("keys.p12"));
    props.put("pipeseal.kms.provider.password", "file:" + dir.resolve("keystore.password"));
    SubjectHasher hasher =
        SubjectHasher.of("test-only subject PRF key, 32+ bytes".getBytes(StandardCharsets.UTF_8));
    List<SubjectHash> subjects = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      subjects.add(hasher.hash("user-" + i));
    }
    Map<SubjectHash, String> fingerprints = new HashMap<>();
    try (KmsBridge kms = KmsBridge.open(props);
        SubjectKeyRegistry reg = KeyRegistries.openSubjects(registry, Map.of())) {
      Map<SubjectHash, SubjectKey> keys =
          reg.keysFor(
              subjects,
              () -> {
                try (DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"))) {
                  return pair.wrapped();
                }
              });
      for (SubjectKey k : keys.values()) {
        assertThat(k.wrapped().masterKeyVersion()).isEqualTo("2");
        try (DataKey dek = KmsCalls.await(kms.unwrap(k.wrapped()))) {
          fingerprints.put(k.subject(), Lakes.fingerprint(dek));
        }
      }
    }
    return fingerprints;
  }

  @Test
  void statusRotateIfDueAndRetirementFollowWhatStillReferencesAVersion() throws Exception {
    Lakes.Result demo = Lakes.cli("demo", "--dir", dir.toString(), "--rows", "40");
    assertThat(demo.code()).as(demo.out() + demo.err()).isZero();
    Path lake = dir.resolve("lake");
    String registry = dir.resolve("registry").toString();
    // The demo rolled both keys once and rewrapped everything: version 2 is current and in use.
    Instant created = describe("pii").createdAt("2").orElseThrow();
    // Subject keys (crypto-shredding area) of the same registry, wrapped under version 2 too.
    Map<SubjectHash, String> subjectDeks = createSubjectKeys(registry, 30);

    // Status: a 30-day period, 2 days of grace.
    Run now =
        run(
            at(created.plus(Duration.ofDays(1))),
            keys("status", "--json", "--registry", registry, "--lake", lake.toString()));
    assertThat(now.code()).as(now.out() + now.err()).isZero();
    Map<String, Object> pii =
        now.lines().stream()
            .filter(m -> "pii".equals(m.get("name")) && m.containsKey("state"))
            .findFirst()
            .orElseThrow();
    assertThat(pii)
        .containsEntry("state", "current")
        .containsEntry("currentVersion", "2")
        .containsEntry("provider", "local")
        .containsEntry("period", "30d");
    assertThat((Long) pii.get("ageSeconds")).isEqualTo(Duration.ofDays(1).getSeconds());
    assertThat(now.version("pii", "2"))
        .containsEntry("current", true)
        .satisfies(m -> assertThat((Long) m.get("registryRecords")).isPositive())
        .satisfies(m -> assertThat((Long) m.get("keyMaterialFiles")).isPositive())
        .satisfies(m -> assertThat((Long) m.get("cellFiles")).isPositive())
        .containsEntry("subjectKeys", 30L);
    assertThat(now.version("pii", "1"))
        .containsEntry("registryRecords", 0L)
        .containsEntry("keyMaterialFiles", 0L)
        .containsEntry("cellFiles", 0L);

    Run due = run(at(created.plus(Duration.ofDays(31))), keys("status"));
    assertThat(due.code()).as(due.out() + due.err()).isZero();
    assertThat(due.out()).contains("pii provider=local current=2").contains("state=due");
    Run overdue = run(at(created.plus(Duration.ofDays(33))), keys("status"));
    assertThat(overdue.code()).isEqualTo(3);
    assertThat(overdue.out()).contains("state=overdue").contains("2 overdue");

    // rotate --if-due rolls the keys past their period; a later run rolls nothing more.
    Run rolled = run(at(created.plus(Duration.ofDays(31))), keys("rotate", "--if-due"));
    assertThat(rolled.code()).as(rolled.out() + rolled.err()).isZero();
    assertThat(rolled.out()).contains("pii rotated 2 -> 3").contains("2 of 2 key(s) rotated");
    Instant rolledAt = describe("pii").createdAt("3").orElseThrow();
    Run again = run(at(rolledAt.plus(Duration.ofHours(1))), keys("rotate", "--if-due"));
    assertThat(again.out()).contains("0 of 2 key(s) rotated");
    assertThat(describe("pii").currentVersion()).isEqualTo("3");

    WrappedKey underTwo;
    try (KeyRegistry reg = KeyRegistries.open(registry, Map.of())) {
      underTwo =
          reg.list()
              .map(RegistryRecord::wrapped)
              .filter(w -> w.masterKeyName().equals("pii") && w.masterKeyVersion().equals("2"))
              .findFirst()
              .orElseThrow();
    }

    Clock later = at(rolledAt.plus(Duration.ofHours(2)));
    // Refused: the current version, and version 2 while registry, key material and cells use it.
    assertThat(run(later, keys("retire", "pii", "--version", "3", "--registry", registry)).code())
        .isEqualTo(4);
    Run refused =
        run(
            later,
            keys(
                "retire",
                "pii",
                "--version",
                "2",
                "--registry",
                registry,
                "--lake",
                lake.toString()));
    assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(4);
    assertThat(refused.err())
        .contains("refused to retire pii version 2")
        .contains("registry records: ")
        .contains("subject keys: ")
        .contains("key material files: file:" + lake)
        .contains("cells (sampled) in: file:" + lake);

    // After the registry rewrap, the files' key material still needs version 2.
    Run rewrap = run(later, keys("rewrap", "--registry", registry));
    assertThat(rewrap.code()).as(rewrap.out() + rewrap.err()).isZero();
    Run stillFiles =
        run(
            later,
            keys(
                "retire",
                "pii",
                "--version",
                "2",
                "--json",
                "--registry",
                registry,
                "--lake",
                lake.toString()));
    assertThat(stillFiles.code()).isEqualTo(4);
    assertThat(stillFiles.lines().get(0))
        .containsEntry("retired", false)
        .containsEntry("registryRecords", 0L)
        .containsEntry("subjectKeys", 0L)
        .containsEntry("cellFiles", 0L);
    assertThat((Long) stillFiles.lines().get(0).get("keyMaterialFiles")).isPositive();
    assertThat(rewrap.out()).contains("subject keys: 30, 30 stale, rewrapped 30, failed 0");

    // Rotate the lake's key material; then nothing needs version 2 and it is retired.
    List<String> rotate =
        new ArrayList<>(List.of("rotate", lake.toString(), "--engine", "local", "--quiet"));
    rotate.addAll(kmsArgs());
    Lakes.Result rotated = Lakes.cli(rotate.toArray(String[]::new));
    assertThat(rotated.code()).as(rotated.out() + rotated.err()).isZero();
    Run retired =
        run(
            later,
            keys(
                "retire",
                "pii",
                "--version",
                "2",
                "--registry",
                registry,
                "--lake",
                lake.toString()));
    assertThat(retired.code()).as(retired.out() + retired.err()).isZero();
    assertThat(retired.out()).contains("retired pii version 2").contains("versions now 1,3");
    assertThat(describe("pii").versions()).containsExactly("1", "3");

    // verify reads every value of every file: nothing needed version 2.
    List<String> verify =
        new ArrayList<>(List.of("verify", lake.toString(), "--engine", "local", "--quiet"));
    verify.addAll(kmsArgs());
    Lakes.Result verified = Lakes.cli(verify.toArray(String[]::new));
    assertThat(verified.code()).as(verified.out() + verified.err()).isZero();

    // And version 2 really is gone: a key wrapped under it no longer unwraps.
    Map<String, String> props = new LinkedHashMap<>();
    props.put("pipeseal.kms.uri", "local://" + dir.resolve("keys.p12"));
    props.put("pipeseal.kms.provider.password", "file:" + dir.resolve("keystore.password"));
    try (KmsBridge kms = KmsBridge.open(props)) {
      assertThatThrownBy(() -> kms.unwrap(underTwo).toCompletableFuture().join())
          .isInstanceOf(CompletionException.class)
          .hasRootCauseInstanceOf(UnknownKeyException.class);
    }

    // The subject keys were rewrapped, not replaced: each still opens to the DEK it held.
    try (KmsBridge kms = KmsBridge.open(props);
        SubjectKeyRegistry subjects = KeyRegistries.openSubjects(registry, Map.of())) {
      List<SubjectKey> stored = new ArrayList<>();
      subjects.forEachStoredKey(stored::add);
      assertThat(stored).hasSize(30);
      for (SubjectKey k : stored) {
        assertThat(k.wrapped().masterKeyVersion()).isEqualTo("3");
        try (DataKey dek = KmsCalls.await(kms.unwrap(k.wrapped()))) {
          assertThat(Lakes.fingerprint(dek)).isEqualTo(subjectDeks.get(k.subject()));
        }
      }
    }

    List<String> audit = Files.readAllLines(dir.resolve("admin-audit.jsonl"));
    List<Map<String, Object>> retires =
        audit.stream()
            .map(FlatJson::parse)
            .filter(m -> "retire".equals(m.get("op")))
            .collect(Collectors.toList());
    assertThat(retires).extracting(m -> m.get("outcome")).contains("refused", "ok");
    assertThat(retires.get(retires.size() - 1))
        .containsEntry("key", "pii")
        .containsEntry("version", "2")
        .containsEntry("outcome", "ok");
    assertThat(
            audit.stream().map(FlatJson::parse).filter(m -> "rotate".equals(m.get("op"))).count())
        .isEqualTo(2);
  }
}
