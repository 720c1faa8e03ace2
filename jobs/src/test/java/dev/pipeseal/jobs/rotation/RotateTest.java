package dev.pipeseal.jobs.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.run.FaultInjection;
import dev.pipeseal.jobs.testing.Lakes;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.registry.HadoopAtomicFiles;
import dev.pipeseal.registry.KeyRegistries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RotateTest {
  @TempDir Path dir;

  @AfterEach
  void clean() {
    FaultInjection.install(null);
    Lakes.resetCaches();
  }

  /** A killed run (an Error at a step, like a kill -9 between two instructions). */
  static final class SimulatedCrash extends Error {
    SimulatedCrash(String where) {
      super("simulated crash " + where);
    }
  }

  private Map<String, String> kms;
  private Map<String, String> readProps;

  /** Four external-key-material files in two partitions, then the master key is rolled. */
  private List<Path> externalLake(Path lake) {
    kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    Map<String, String> w = Lakes.policy(kms, "pii", "pipeseal.parquet.key-material", "external");
    readProps = Lakes.policy(kms, "pii");
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Path f = lake.resolve("day=" + (i % 2) + "/part-" + i + ".parquet");
      Lakes.write(w, f, 20);
      files.add(f);
    }
    Lakes.admin(kms).rotateKey("pii");
    Lakes.resetCaches();
    return files;
  }

  private String[] rotate(Path lake, String... extra) {
    List<String> a = new ArrayList<>(List.of("rotate", lake.toString(), "--engine", "local"));
    a.add("--kms");
    a.add(kms.get("pipeseal.kms.uri"));
    kms.forEach(
        (k, v) -> {
          if (!k.equals("pipeseal.kms.uri")) {
            a.add("--conf");
            a.add(k + "=" + v);
          }
        });
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  private static Map<Path, byte[]> bytes(List<Path> files) throws Exception {
    Map<Path, byte[]> m = new HashMap<>();
    for (Path f : files) {
      m.put(f, Files.readAllBytes(f));
    }
    return m;
  }

  private static List<String> versions(Path lake) throws Exception {
    Path report = lake.resolveSibling("inv-" + System.nanoTime() + ".json");
    var r =
        Lakes.cli("inventory", lake.toString(), "--engine", "local", "--report", report.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    List<String> out = new ArrayList<>();
    new ObjectMapper()
        .readTree(Files.readString(report))
        .get("files")
        .forEach(f -> f.at("/info/keys").forEach(k -> out.add(k.get("masterKeyVersion").asText())));
    return out;
  }

  @Test
  void rewrapsExternalKeyMaterialWithoutTouchingData() throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = externalLake(lake);
    Map<Path, byte[]> before = bytes(files);
    assertThat(versions(lake)).containsOnly("1");

    var dry = Lakes.cli(rotate(lake, "--dry-run"));
    assertThat(dry.code()).as(dry.out() + dry.err()).isZero();
    assertThat(dry.out()).contains("would_change=4");
    assertThat(versions(lake)).containsOnly("1");

    Path report = dir.resolve("rotate.json");
    var r = Lakes.cli(rotate(lake, "--report", report.toString()));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("done=4");
    assertThat(r.err()).contains("rotate: 4/4 files (100.0%)");
    JsonNode json = new ObjectMapper().readTree(Files.readString(report));
    assertThat(json.at("/exitCode").asInt()).isZero();
    assertThat(json.at("/keys/pii@2").asInt()).isEqualTo(4);
    assertThat(versions(lake)).containsOnly("2");
    for (Path f : files) {
      assertThat(Files.readAllBytes(f)).isEqualTo(before.get(f)); // data untouched
      assertThat(Lakes.readAll(readProps, f)).isEqualTo(20);
    }
    assertThat(Files.exists(lake.resolve("_pipeseal/checkpoint-rotate")))
        .isFalse(); // finished: no checkpoint

    var again = Lakes.cli(rotate(lake));
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("unchanged=4");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {FaultInjection.AFTER_WRITE, FaultInjection.AFTER_RENAME, FaultInjection.MID_RUN})
  void killedRunLeavesEveryFileReadableAndRerunCompletes(String point) throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = externalLake(lake);
    Map<Path, byte[]> before = bytes(files);
    AtomicInteger hits = new AtomicInteger();
    FaultInjection.install(
        (p, file) -> {
          if (p.equals(point) && hits.incrementAndGet() == 3) {
            throw new SimulatedCrash(p + " " + file);
          }
        });
    // Batches of one file, one thread: the crash hits the third file's step (second batch for
    // mid-run), after earlier files were rotated and checkpointed.
    assertThatThrownBy(() -> Lakes.cli(rotate(lake, "--parallelism", "1", "--batch", "1")))
        .isInstanceOf(SimulatedCrash.class);
    FaultInjection.install(null);

    for (Path f : files) {
      assertThat(Lakes.readAll(readProps, f)).as("readable after crash " + f).isEqualTo(20);
      assertThat(Files.readAllBytes(f)).isEqualTo(before.get(f));
    }
    assertThat(Files.exists(lake.resolve("_pipeseal/checkpoint-rotate/run.id"))).isTrue();
    Lakes.resetCaches();

    var r = Lakes.cli(rotate(lake, "--json"));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out().substring(r.out().indexOf('{')));
    assertThat(json.at("/totals/resumed").asInt()).isEqualTo(2); // two batches checkpointed
    assertThat(versions(lake)).containsOnly("2");
    for (Path f : files) {
      assertThat(Lakes.readAll(readProps, f)).isEqualTo(20);
      assertThat(Files.readAllBytes(f)).isEqualTo(before.get(f));
    }
    try (Stream<Path> s = Files.walk(lake)) {
      // A temporary file from the crashed write may stay (hidden); nothing else is left.
      assertThat(s.filter(p -> p.getFileName().toString().endsWith(".pipeseal-tmp")).count())
          .isLessThanOrEqualTo(1);
    }
  }

  /**
   * Directories are forced once per batch: after the batch's renames, before its checkpoint. A
   * power loss before that force may undo any rename of the batch; simulated here at that point
   * (the renames of the batch undone, one of them leaving its new key material as a hidden
   * temporary, as an undone rename does). The checkpoint must not list any file of the batch yet,
   * every file must read with whichever key material stands, and the rerun rotates exactly the
   * undone files again.
   */
  @Test
  void renamesUndoneBeforeTheirDirectoryForceAreRedoneByTheRerun() throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = externalLake(lake);
    Map<Path, byte[]> data = bytes(files);
    List<Path> materials = new ArrayList<>();
    for (Path f : files) {
      materials.add(f.resolveSibling("_KEY_MATERIAL_FOR_" + f.getFileName() + ".json"));
    }
    Map<Path, byte[]> oldMaterial = bytes(materials);
    Path checkpoint = lake.resolve("_pipeseal/checkpoint-rotate");
    AtomicInteger batches = new AtomicInteger();
    List<Path> undone = new ArrayList<>();
    List<String> listed = new ArrayList<>();
    FaultInjection.install(
        (p, file) -> {
          if (!p.equals(FaultInjection.BEFORE_DIRECTORY_FORCE) || batches.incrementAndGet() != 2) {
            return;
          }
          try {
            try (Stream<Path> s = Files.list(checkpoint)) {
              for (Path b : s.filter(b -> b.toString().endsWith(".done")).toList()) {
                listed.addAll(Files.readAllLines(b));
              }
            }
            for (int i = 0; i < files.size(); i++) {
              Path m = materials.get(i);
              String name = lake.relativize(files.get(i)).toString();
              boolean checkpointed = listed.stream().anyMatch(l -> l.endsWith(name));
              if (!checkpointed && !Arrays.equals(Files.readAllBytes(m), oldMaterial.get(m))) {
                undone.add(m);
              }
            }
            // The power loss: the batch's renames never reached the disk.
            for (Path m : undone) {
              if (m.equals(undone.get(0))) {
                Files.copy(
                    m,
                    m.resolveSibling(
                        HadoopAtomicFiles.temporaryFor(new org.apache.hadoop.fs.Path(m.toUri()))
                            .getName()));
              }
              Files.write(m, oldMaterial.get(m));
            }
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
          throw new SimulatedCrash(p + " " + file);
        });
    assertThatThrownBy(() -> Lakes.cli(rotate(lake, "--parallelism", "1", "--batch", "2")))
        .isInstanceOf(SimulatedCrash.class);
    FaultInjection.install(null);

    // The first batch's two files are checkpointed; the second batch renamed its two but none of
    // them reached the checkpoint before the force.
    assertThat(listed).hasSize(2);
    assertThat(undone).hasSize(2);
    for (Path f : files) {
      assertThat(Lakes.readAll(readProps, f)).as("readable after power loss " + f).isEqualTo(20);
    }
    // Two keys per file (footer, column): the two undone files are back under version 1.
    List<String> after = versions(lake);
    assertThat(after).filteredOn("1"::equals).hasSize(4);
    assertThat(after).filteredOn("2"::equals).hasSize(4);
    Lakes.resetCaches();

    var r = Lakes.cli(rotate(lake, "--json"));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out().substring(r.out().indexOf('{')));
    assertThat(json.at("/totals/resumed").asInt()).isEqualTo(2);
    assertThat(json.at("/totals/done").asInt()).isEqualTo(2);
    assertThat(versions(lake)).containsOnly("2");
    for (Path f : files) {
      assertThat(Lakes.readAll(readProps, f)).isEqualTo(20);
      assertThat(Files.readAllBytes(f)).isEqualTo(data.get(f));
    }
  }

  /**
   * Many files in flight at once (the rotate default): a crash while other files of the batch are
   * mid-swap leaves every file readable under its old or new key material, no checkpoint for the
   * batch, and a rerun that finishes them all. Files of one writer share one wrapped KEK, so this
   * also covers the reuse of one rewrap across files.
   */
  @Test
  void crashWithManyFilesInFlightLeavesEveryFileReadableAndRerunCompletes() throws Exception {
    Path lake = dir.resolve("lake");
    kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    Map<String, String> w = Lakes.policy(kms, "pii", "pipeseal.parquet.key-material", "external");
    readProps = Lakes.policy(kms, "pii");
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      Path f = lake.resolve("day=" + (i % 3) + "/part-" + i + ".parquet");
      Lakes.write(w, f, 5);
      files.add(f);
    }
    Lakes.admin(kms).rotateKey("pii");
    Lakes.resetCaches();
    AtomicInteger hits = new AtomicInteger();
    FaultInjection.install(
        (p, file) -> {
          if (p.equals(FaultInjection.AFTER_RENAME) && hits.incrementAndGet() == 5) {
            throw new SimulatedCrash(p + " " + file);
          }
        });
    assertThatThrownBy(
            () ->
                Lakes.cli(
                    rotate(lake, "--parallelism", "2", "--files-in-flight", "4", "--batch", "12")))
        .isInstanceOf(SimulatedCrash.class);
    FaultInjection.install(null);
    // Other files of the crashed batch may still be finishing: every swap is atomic, so each file
    // reads at every moment.
    for (Path f : files) {
      assertThat(Lakes.readAll(readProps, f)).as("readable after crash " + f).isEqualTo(5);
    }
    Lakes.resetCaches();

    var r = Lakes.cli(rotate(lake, "--json", "--files-in-flight", "4"));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out().substring(r.out().indexOf('{')));
    assertThat(json.at("/totals/resumed").asInt()).isZero(); // the crashed batch never committed
    assertThat(json.at("/totals/done").asInt() + json.at("/totals/unchanged").asInt())
        .isEqualTo(12);
    assertThat(versions(lake)).isNotEmpty().containsOnly("2");
    for (Path f : files) {
      assertThat(Lakes.readAll(readProps, f)).isEqualTo(5);
    }
  }

  @Test
  void internalKeyMaterialAndMissingKeyMaterialAreReportedOthersDone() throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = externalLake(lake);
    Lakes.write(Lakes.policy(kms, "pii"), lake.resolve("day=9/internal.parquet"), 5); // v2 already
    Lakes.admin(kms).rotateKey("pii"); // now everything is stale (v3 current)
    Lakes.resetCaches();
    Files.delete(lake.resolve("day=0/_KEY_MATERIAL_FOR_part-0.parquet.json"));
    var r = Lakes.cli(rotate(lake));
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.out())
        .contains("FAILED " + "file:" + lake.resolve("day=0/part-0.parquet"))
        .contains("key material file")
        .contains("internal.parquet")
        .contains("reencrypt")
        .contains("done=3");
    assertThat(Files.exists(lake.resolve("_pipeseal/checkpoint-rotate"))).isTrue();
    for (Path f : files.subList(1, files.size())) {
      assertThat(Lakes.readAll(readProps, f)).isEqualTo(20);
    }
  }

  @Test
  void rewrapsRegistryRecords() throws Exception {
    kms = Lakes.localStore(dir.resolve("keys"));
    Path reg = dir.resolve("registry");
    KeyId id;
    try (KmsBridge bridge = KmsBridge.open(kms);
        KeyRegistry registry = KeyRegistries.open(reg)) {
      bridge.admin().orElseThrow().createKey("pii");
      try (var pair = bridge.generateDataKey("pii").toCompletableFuture().join()) {
        id = registry.register(pair.wrapped());
      }
      bridge.admin().orElseThrow().rotateKey("pii");
    }
    // No PATH: the registry alone.
    String[] args = rotate(dir, "--registry", reg.toString());
    var only =
        Lakes.cli(
            java.util.Arrays.stream(args)
                .filter(a -> !a.equals(dir.toString()))
                .toArray(String[]::new));
    assertThat(only.code()).as(only.out() + only.err()).isZero();
    try (KeyRegistry registry = KeyRegistries.open(reg)) {
      assertThat(registry.read(id).orElseThrow().wrapped().masterKeyVersion()).isEqualTo("2");
    }
    assertThat(only.out()).contains("rewrapped=1");
  }

  @Test
  void badInputIsAUsageErrorOrAClearFailure() {
    kms = Lakes.localStore(dir.resolve("keys"));
    assertThat(Lakes.cli("rotate", dir.toString()).code()).isEqualTo(64); // no KMS
    var missing = Lakes.cli(rotate(dir.resolve("nope")));
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("no such path");
  }
}
