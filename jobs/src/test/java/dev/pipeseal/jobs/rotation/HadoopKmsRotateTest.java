package dev.pipeseal.jobs.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.testing.Lakes;
import dev.pipeseal.kms.testing.HadoopKmsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation against a real Hadoop KMS server (its own JVM) after {@code rollNewVersion}. */
class HadoopKmsRotateTest {
  private static HadoopKmsServer server;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    Lakes.resetCaches();
    server = HadoopKmsServer.startHttp();
    server.createKey("pii");
  }

  @AfterAll
  static void stop() {
    Lakes.resetCaches();
    if (server != null) {
      server.close();
    }
  }

  @Test
  void rotateAfterRollNewVersionRewrapsAndReadersAreUnaffected() throws Exception {
    Map<String, String> kms = new LinkedHashMap<>();
    kms.put("pipeseal.kms.uri", server.uri().toString());
    kms.put("pipeseal.kms.audit.sink", "none");
    Map<String, String> write =
        Lakes.policy(kms, "pii", "pipeseal.parquet.key-material", "external");
    Path lake = dir.resolve("lake");
    List<Path> files = List.of(lake.resolve("a/part-0.parquet"), lake.resolve("b/part-0.parquet"));
    List<byte[]> before = new ArrayList<>();
    for (Path f : files) {
      Lakes.write(write, f, 30);
      before.add(Files.readAllBytes(f));
    }
    String oldVersion = versions(lake).get(0);
    String newVersion = server.rollNewVersion("pii");
    assertThat(newVersion).isNotEqualTo(oldVersion);
    Lakes.resetCaches();

    var r =
        Lakes.cli(
            "rotate",
            lake.toString(),
            "--engine",
            "local",
            "--kms",
            server.uri().toString(),
            "--conf",
            "pipeseal.kms.audit.sink=none",
            "--kms-rate",
            "50");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("done=2");
    assertThat(versions(lake)).containsOnly(newVersion);
    for (int i = 0; i < files.size(); i++) {
      assertThat(Files.readAllBytes(files.get(i))).isEqualTo(before.get(i));
      assertThat(Lakes.readAll(Lakes.policy(kms, "pii"), files.get(i))).isEqualTo(30);
    }
  }

  private List<String> versions(Path lake) throws Exception {
    Path report = dir.resolve("inv-" + System.nanoTime() + ".json");
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
}
