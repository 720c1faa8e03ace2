package dev.pipeseal.jobs.reencrypt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.run.FaultInjection;
import dev.pipeseal.jobs.testing.Lakes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReencryptTest {
  @TempDir Path dir;
  private Map<String, String> kms;

  @AfterEach
  void clean() {
    FaultInjection.install(null);
    Lakes.resetCaches();
  }

  static final class SimulatedCrash extends Error {
    SimulatedCrash(String where) {
      super("simulated crash " + where);
    }
  }

  private String[] cli(String command, Path lake, String... extra) {
    List<String> a = new ArrayList<>(List.of(command, lake.toString(), "--engine", "local"));
    kms.forEach(
        (k, v) -> {
          a.add("--conf");
          a.add(k + "=" + v);
        });
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  private JsonNode inventory(Path lake) throws Exception {
    Path report = dir.resolve("inv-" + System.nanoTime() + ".json");
    var r =
        Lakes.cli("inventory", lake.toString(), "--engine", "local", "--report", report.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    return new ObjectMapper().readTree(Files.readString(report));
  }

  private List<Path> plaintextLake(Path lake) {
    kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    Lakes.resetCaches();
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path f = lake.resolve("d=" + i + "/part-0.parquet");
      Lakes.write(Map.of(), f, 25);
      files.add(f);
    }
    return files;
  }

  @Test
  void encryptsAPlaintextDataset() throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = plaintextLake(lake);
    assertThat(Lakes.cli(cli("reencrypt", lake)).code()).isEqualTo(64); // no target policy
    var r = Lakes.cli(cli("reencrypt", lake, "--conf", "pipeseal.parquet.columns.pii=ssn"));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("done=3");
    JsonNode inv = inventory(lake);
    inv.get("files").forEach(f -> assertThat(f.at("/info/kind").asText()).isEqualTo("pme"));
    for (Path f : files) {
      assertThat(Lakes.readAll(Lakes.policy(kms, "pii"), f)).isEqualTo(25);
    }
    try (var s = Files.walk(lake)) {
      assertThat(s.filter(p -> p.getFileName().toString().contains("pipeseal-tmp")).count())
          .isZero();
    }
  }

  private Path externalFile(Path lake) {
    kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    Path f = lake.resolve("part-0.parquet");
    Lakes.write(Lakes.policy(kms, "pii", "pipeseal.parquet.key-material", "external"), f, 25);
    Lakes.resetCaches();
    return f;
  }

  private static List<String> references(JsonNode info) {
    List<String> out = new ArrayList<>();
    info.get("keys").forEach(k -> out.add(k.get("reference").asText()));
    return out;
  }

  @Test
  void reencryptKeepsExternalKeyMaterialExternal() throws Exception {
    Path lake = dir.resolve("lake");
    Path f = externalFile(lake);
    Path material = lake.resolve("_KEY_MATERIAL_FOR_part-0.parquet.json");
    String oldMaterial = Files.readString(material);
    var r = Lakes.cli(cli("reencrypt", lake, "--conf", "pipeseal.parquet.columns.pii=ssn,note"));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    JsonNode info = inventory(lake).at("/files/0/info");
    assertThat(info.get("keyMaterial").asText()).isEqualTo("external");
    assertThat(references(info)).contains("footerKey", "columnKey0", "columnKey1"); // ssn, note
    assertThat(Files.readString(material)).isNotEqualTo(oldMaterial); // new keys
    assertThat(Lakes.readAll(Lakes.policy(kms, "pii"), f)).isEqualTo(25);
    try (var s = Files.walk(lake)) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.contains("pipeseal-tmp")))
          .isEmpty();
    }
  }

  @Test
  void reencryptFollowsTheConfiguredKeyMaterialMode() throws Exception {
    Path lake = dir.resolve("lake");
    Path f = externalFile(lake);
    Path material = lake.resolve("_KEY_MATERIAL_FOR_part-0.parquet.json");
    var in =
        Lakes.cli(
            cli(
                "reencrypt",
                lake,
                "--conf",
                "pipeseal.parquet.columns.pii=ssn",
                "--conf",
                "pipeseal.parquet.key-material=internal"));
    assertThat(in.code()).as(in.out() + in.err()).isZero();
    assertThat(inventory(lake).at("/files/0/info/keyMaterial").asText()).isEqualTo("internal");
    assertThat(material).doesNotExist();
    assertThat(Lakes.readAll(Lakes.policy(kms, "pii"), f)).isEqualTo(25);

    Lakes.resetCaches();
    var out =
        Lakes.cli(
            cli(
                "reencrypt",
                lake,
                "--restart",
                "--conf",
                "pipeseal.parquet.columns.pii=ssn",
                "--conf",
                "pipeseal.parquet.key-material=external"));
    assertThat(out.code()).as(out.out() + out.err()).isZero();
    assertThat(inventory(lake).at("/files/0/info/keyMaterial").asText()).isEqualTo("external");
    assertThat(material).exists();
    assertThat(Lakes.readAll(Lakes.policy(kms, "pii"), f)).isEqualTo(25);
  }

  /** External to external writes twice (internal in between); a crash at any step reads. */
  @ParameterizedTest
  @ValueSource(strings = {"after-write#1", "after-rename#1", "after-write#2", "after-rename#2"})
  void killedExternalRewriteLeavesTheFileReadableAndRerunEndsExternal(String where)
      throws Exception {
    Path lake = dir.resolve("lake");
    Path f = externalFile(lake);
    String point = where.substring(0, where.indexOf('#'));
    int hit = Integer.parseInt(where.substring(where.indexOf('#') + 1));
    AtomicInteger hits = new AtomicInteger();
    FaultInjection.install(
        (p, file) -> {
          if (p.equals(point) && hits.incrementAndGet() == hit) {
            throw new SimulatedCrash(p + " " + file);
          }
        });
    String[] args = cli("reencrypt", lake, "--conf", "pipeseal.parquet.columns.pii=ssn");
    assertThatThrownBy(() -> Lakes.cli(args)).isInstanceOf(SimulatedCrash.class);
    FaultInjection.install(null);
    assertThat(Lakes.readAll(Lakes.policy(kms, "pii"), f)).as("after crash").isEqualTo(25);
    Lakes.resetCaches();
    var r = Lakes.cli(args);
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(inventory(lake).at("/files/0/info/keyMaterial").asText()).isEqualTo("external");
    assertThat(Lakes.readAll(Lakes.policy(kms, "pii"), f)).isEqualTo(25);
  }

  @Test
  void rotateRewritesStaleInternalKeyMaterialWhenGivenThePolicy() throws Exception {
    kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    Path lake = dir.resolve("lake");
    Path f = lake.resolve("part-0.parquet");
    Lakes.write(Lakes.policy(kms, "pii"), f, 25);
    Lakes.admin(kms).rotateKey("pii");
    Lakes.resetCaches();
    var without = Lakes.cli(cli("rotate", lake));
    assertThat(without.code()).isEqualTo(1);
    assertThat(without.out()).contains("inside the data file");
    Lakes.resetCaches();
    var r =
        Lakes.cli(
            cli(
                "rotate",
                lake,
                "--restart",
                "--conf",
                "pipeseal.parquet.columns.pii=ssn",
                "--conf",
                "pipeseal.parquet.key-material=external"));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    JsonNode info = inventory(lake).at("/files/0/info");
    assertThat(info.at("/keys/0/masterKeyVersion").asText()).isEqualTo("2");
    assertThat(info.get("keyMaterial").asText()).isEqualTo("internal"); // the file's mode
    assertThat(lake.resolve("_KEY_MATERIAL_FOR_part-0.parquet.json")).doesNotExist();
    assertThat(Lakes.readAll(Lakes.policy(kms, "pii"), f)).isEqualTo(25);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {FaultInjection.AFTER_WRITE, FaultInjection.AFTER_RENAME, FaultInjection.MID_RUN})
  void killedMigrationLeavesEveryFileReadableAndRerunCompletes(String point) throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = plaintextLake(lake);
    AtomicInteger hits = new AtomicInteger();
    FaultInjection.install(
        (p, file) -> {
          if (p.equals(point) && hits.incrementAndGet() == 2) {
            throw new SimulatedCrash(p + " " + file);
          }
        });
    String[] args =
        cli(
            "reencrypt",
            lake,
            "--conf",
            "pipeseal.parquet.columns.pii=ssn",
            "--parallelism",
            "1",
            "--batch",
            "1");
    assertThatThrownBy(() -> Lakes.cli(args)).isInstanceOf(SimulatedCrash.class);
    FaultInjection.install(null);
    for (Path f : files) {
      assertThat(Lakes.readAll(Lakes.policy(kms, "pii"), f)).as("after crash " + f).isEqualTo(25);
    }
    Lakes.resetCaches();
    var r = Lakes.cli(args);
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    inventory(lake)
        .get("files")
        .forEach(f -> assertThat(f.at("/info/kind").asText()).isEqualTo("pme"));
    for (Path f : files) {
      assertThat(Lakes.readAll(Lakes.policy(kms, "pii"), f)).isEqualTo(25);
    }
  }
}
