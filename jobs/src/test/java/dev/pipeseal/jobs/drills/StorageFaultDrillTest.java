package dev.pipeseal.jobs.drills;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.testing.FaultyFileSystem;
import dev.pipeseal.jobs.testing.FaultyFileSystem.Op;
import dev.pipeseal.jobs.testing.Lakes;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * rotate, reencrypt, the registry rewrap and registry compaction on a file system that fails at
 * chosen points ({@link FaultyFileSystem}, {@code faulty://}): the run reports what failed (exit
 * code and JSON), no file or record is lost or unreadable, and a rerun without the fault finishes.
 */
class StorageFaultDrillTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FILES = 4;
  private static final int ROWS = 200;
  private static final int RECORDS = 3;

  @TempDir Path dir;
  private Map<String, String> kms;

  @BeforeEach
  void keys() {
    kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    FaultyFileSystem.clear();
    FaultyFileSystem.resetCounts();
  }

  @AfterEach
  void clean() {
    FaultyFileSystem.clear();
    Lakes.resetCaches();
  }

  /** One drill: the job, how the lake is written, the fault, and the exit code it must give. */
  record Drill(
      String name, String job, boolean external, Runnable fault, int exitCode, boolean outage) {
    Drill(String name, String job, boolean external, Runnable fault, int exitCode) {
      this(name, job, external, fault, exitCode, false);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> drills() {
    return Stream.of(
            new Drill(
                "rotate: new key material cannot be created",
                "rotate",
                true,
                () -> FaultyFileSystem.arm(Op.CREATE, "/._KEY_MATERIAL_FOR_", 1),
                2),
            new Drill(
                "rotate: rename over the key material fails once, after the delete",
                "rotate",
                true,
                () -> FaultyFileSystem.arm(Op.RENAME, "/._KEY_MATERIAL_FOR_", 1, 1),
                0),
            new Drill(
                "rotate: rename over the key material keeps failing, after the delete",
                "rotate",
                true,
                () -> FaultyFileSystem.arm(Op.RENAME, "/._KEY_MATERIAL_FOR_", 1),
                2,
                true),
            new Drill(
                "rotate: disk full writing key material",
                "rotate",
                true,
                () -> FaultyFileSystem.diskFull("_KEY_MATERIAL_FOR_", 64),
                1),
            new Drill(
                "reencrypt: new data file cannot be created",
                "reencrypt",
                false,
                () -> FaultyFileSystem.arm(Op.CREATE, "/.part-", 2),
                2),
            new Drill(
                "reencrypt: disk full mid-write of the new data file",
                "reencrypt",
                false,
                () -> FaultyFileSystem.diskFull("/.part-", 1500),
                1),
            new Drill(
                "reencrypt: rename over the data file fails once, after the delete",
                "reencrypt",
                false,
                () -> FaultyFileSystem.arm(Op.RENAME, "/.part-", 1, 1),
                0),
            new Drill(
                "reencrypt: rename over the data file keeps failing, after the delete",
                "reencrypt",
                false,
                () -> FaultyFileSystem.arm(Op.RENAME, "/.part-", 1),
                2,
                true),
            new Drill(
                "reencrypt external: key material swap fails",
                "reencrypt",
                true,
                () -> FaultyFileSystem.arm(Op.RENAME, "_KEY_MATERIAL_FOR_.", 1),
                2),
            new Drill(
                "reencrypt external to internal: old key material cannot be deleted",
                "reencrypt-internal",
                true,
                () -> FaultyFileSystem.arm(Op.DELETE, "/_KEY_MATERIAL_FOR_part", 0),
                1))
        .map(Arguments::of);
  }

  private String[] args(String command, String path, String... extra) {
    List<String> a = new ArrayList<>();
    a.add(command);
    if (path != null) {
      a.add(path);
    }
    a.addAll(List.of("--engine", "local", "--parallelism", "1", "--json", "--quiet"));
    kms.forEach(
        (k, v) -> {
          a.add("--conf");
          a.add(k + "=" + v);
        });
    a.add("--conf");
    a.add(FaultyFileSystem.CONF);
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  private List<Path> lake(Path lake, boolean external) {
    Map<String, String> w =
        external
            ? Lakes.policy(kms, "pii", "pipeseal.parquet.key-material", "external")
            : Lakes.policy(kms, "pii");
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < FILES; i++) {
      Path f = lake.resolve("day=" + (i % 2) + "/part-" + i + ".parquet");
      Lakes.write(w, f, ROWS);
      files.add(f);
    }
    // As on HDFS or an object store: no local checksum sidecars, which only the file: scheme
    // keeps up to date (the jobs here rewrite through faulty:, the test reads through file:).
    try (Stream<Path> s = Files.walk(lake)) {
      for (Path crc : s.filter(p -> p.getFileName().toString().endsWith(".crc")).toList()) {
        Files.delete(crc);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return files;
  }

  /** Reads every row of every file (cold caches): the records-lost figure. */
  private long rowsReadable(List<Path> files) {
    long rows = 0;
    for (Path f : files) {
      rows += Lakes.readAll(Lakes.policy(kms, "pii"), f);
    }
    return rows;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("drills")
  void lakeJobUnderStorageFault(Drill drill) throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = lake(lake, drill.external());
    Lakes.admin(kms).rotateKey("pii");
    Lakes.resetCaches();
    String uri = FaultyFileSystem.uri(lake);
    String[] run =
        switch (drill.job()) {
          case "rotate" -> args("rotate", uri);
          case "reencrypt" -> args("reencrypt", uri, "--conf", "pipeseal.parquet.columns.pii=ssn");
          default ->
              args(
                  "reencrypt",
                  uri,
                  "--conf",
                  "pipeseal.parquet.columns.pii=ssn",
                  "--conf",
                  "pipeseal.parquet.key-material=internal");
        };

    drill.fault().run();
    var failed = Lakes.cli(run);
    int injected = FaultyFileSystem.injected();
    FaultyFileSystem.clear();
    assertThat(injected)
        .as(drill.name() + ": fault fired\n" + failed.out() + failed.err())
        .isPositive();
    assertThat(failed.code()).as(failed.out() + failed.err()).isEqualTo(drill.exitCode());
    JsonNode report = JSON.readTree(failed.out()); // stdout is the JSON report alone
    assertThat(report.get("exitCode").asInt()).isEqualTo(drill.exitCode());
    List<String> messages = new ArrayList<>();
    report
        .get("files")
        .forEach(
            f -> {
              if (f.get("status").asText().equals("FAILED")) {
                messages.add(f.get("path").asText() + ": " + f.get("message").asText());
              }
            });
    if (drill.exitCode() == 0) {
      // A transient fault the swap itself recovered from.
      assertThat(messages).isEmpty();
    } else {
      assertThat(messages).isNotEmpty();
      assertThat(messages)
          .allMatch(
              m -> m.contains("injected") || m.contains("No space left on device"), "names it");
    }
    if (drill.outage()) {
      // The old version is gone, the checked new one is kept (hidden) and named in the report.
      assertThat(messages).allMatch(m -> m.contains("is kept at"), "says where the data is");
    } else {
      assertThat(rowsReadable(files)).as("readable right after the fault").isEqualTo(FILES * ROWS);
    }
    assertThat(leftovers(lake)).as("temporaries readers would list").isEmpty();

    Lakes.resetCaches();
    var rerun = Lakes.cli(run);
    assertThat(rerun.code()).as(rerun.out() + rerun.err()).isZero();
    long rows = rowsReadable(files);
    assertThat(rows).isEqualTo(FILES * ROWS);
    assertThat(versions(lake)).as("every key at the newest version").containsOnly("2");
    System.out.printf(
        "DRILL %s | faults=%d files=%d records=%d lost=0 first-exit=%d rerun-exit=0%n",
        drill.name(), injected, FILES, rows, drill.exitCode());
  }

  /** Files the jobs and readers would treat as data, other than the lake's own. */
  private static List<Path> leftovers(Path lake) throws Exception {
    try (Stream<Path> s = Files.walk(lake)) {
      return s.filter(Files::isRegularFile)
          .filter(
              p -> {
                for (Path part : lake.relativize(p)) {
                  if (part.toString().startsWith("_") || part.toString().startsWith(".")) {
                    return false;
                  }
                }
                return true;
              })
          .filter(p -> !p.getFileName().toString().matches("part-\\d\\.parquet"))
          .toList();
    }
  }

  private List<String> versions(Path lake) throws Exception {
    var r = Lakes.cli("inventory", lake.toString(), "--engine", "local", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> out = new ArrayList<>();
    JSON.readTree(r.out())
        .get("files")
        .forEach(f -> f.at("/info/keys").forEach(k -> out.add(k.get("masterKeyVersion").asText())));
    return out;
  }

  /** Records registered under pii@1; the key is then rolled to 2. */
  private List<KeyId> registry(Path reg) {
    List<KeyId> ids = new ArrayList<>();
    try (KmsBridge bridge = KmsBridge.open(kms);
        KeyRegistry registry = KeyRegistries.open(reg)) {
      for (int i = 0; i < RECORDS; i++) {
        try (var pair = bridge.generateDataKey("pii").toCompletableFuture().join()) {
          ids.add(registry.register(pair.wrapped()));
        }
      }
      bridge.admin().orElseThrow().rotateKey("pii");
    }
    Lakes.resetCaches();
    return ids;
  }

  private static List<String> recordVersions(Path reg, List<KeyId> ids) {
    List<String> out = new ArrayList<>();
    try (KeyRegistry registry = KeyRegistries.open(reg)) {
      for (KeyId id : ids) {
        out.add(registry.read(id).orElseThrow().wrapped().masterKeyVersion());
      }
    }
    return out;
  }

  static Stream<Arguments> registryFaults() {
    return Stream.of(
        Arguments.of("registry rewrap: new generation cannot be created", Op.CREATE),
        Arguments.of("registry rewrap: disk full writing a generation", Op.DISK_FULL));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("registryFaults")
  void registryRewrapUnderStorageFault(String name, Op op) throws Exception {
    Path reg = dir.resolve("registry");
    List<KeyId> ids = registry(reg);
    String loc = FaultyFileSystem.uri(reg);
    if (op == Op.DISK_FULL) {
      FaultyFileSystem.diskFull("/keys/", 16);
    } else {
      FaultyFileSystem.arm(op, "/keys/", 1);
    }
    var failed = Lakes.cli(args("rotate", null, "--registry", loc));
    int injected = FaultyFileSystem.injected();
    FaultyFileSystem.clear();
    assertThat(injected).isPositive();
    assertThat(failed.code()).as(failed.out() + failed.err()).isIn(1, 2);
    JsonNode report = JSON.readTree(failed.out());
    assertThat(report.at("/registry/failed").asInt()).isPositive();
    assertThat(report.get("problems").toString()).containsAnyOf("injected", "No space left");
    // Every record still reads, at the old or the new version.
    assertThat(recordVersions(reg, ids))
        .hasSize(RECORDS)
        .allMatch(v -> v.equals("1") || v.equals("2"));

    var rerun = Lakes.cli(args("rotate", null, "--registry", loc));
    assertThat(rerun.code()).as(rerun.out() + rerun.err()).isZero();
    assertThat(recordVersions(reg, ids)).containsOnly("2").hasSize(RECORDS);
    System.out.printf(
        "DRILL %s | faults=%d records=%d lost=0 first-exit=%d rerun-exit=0%n",
        name, injected, RECORDS, failed.code());
  }

  @org.junit.jupiter.api.Test
  void registryCompactionUnderDeleteFault() throws Exception {
    Path reg = dir.resolve("registry");
    List<KeyId> ids = registry(reg);
    String loc = FaultyFileSystem.uri(reg);
    assertThat(Lakes.cli(args("rotate", null, "--registry", loc)).code()).isZero();
    FaultyFileSystem.arm(Op.DELETE, "/keys/", 1);
    var failed =
        Lakes.cli("keys", "compact", "--registry", loc, "--json", "--conf", FaultyFileSystem.CONF);
    int injected = FaultyFileSystem.injected();
    FaultyFileSystem.clear();
    assertThat(injected).isPositive();
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err()).contains("compaction failed");
    assertThat(recordVersions(reg, ids)).containsOnly("2").hasSize(RECORDS);
    var rerun =
        Lakes.cli("keys", "compact", "--registry", loc, "--json", "--conf", FaultyFileSystem.CONF);
    assertThat(rerun.code()).as(rerun.err()).isZero();
    JsonNode json = JSON.readTree(rerun.out());
    assertThat(json.get("removed").asInt()).isPositive();
    assertThat(recordVersions(reg, ids)).containsOnly("2").hasSize(RECORDS);
    System.out.printf(
        "DRILL registry compaction: delete fails | faults=%d records=%d lost=0 first-exit=1"
            + " rerun-exit=0%n",
        injected, RECORDS);
  }
}
