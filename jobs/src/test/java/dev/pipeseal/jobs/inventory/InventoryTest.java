package dev.pipeseal.jobs.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.testing.Lakes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryTest {
  @TempDir static Path dir;
  static Map<String, String> kms;
  static Path lake;

  @BeforeAll
  static void lake() {
    kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    lake = dir.resolve("lake");
    Lakes.write(Map.of(), lake.resolve("plain/part-0.parquet"), 10);
    Lakes.write(Lakes.policy(kms, "pii"), lake.resolve("t/day=1/part-0.parquet"), 10);
    Lakes.write(
        Lakes.policy(kms, "pii", "pipeseal.parquet.footer.plaintext", "true"),
        lake.resolve("t/day=2/part-0.parquet"),
        10);
    Lakes.write(
        Lakes.policy(
            kms,
            "pii",
            "pipeseal.parquet.key-material",
            "external",
            "pipeseal.parquet.algorithm",
            "AES_GCM_CTR_V1"),
        lake.resolve("t/day=3/part-0.parquet"),
        10);
  }

  @AfterAll
  static void reset() {
    Lakes.resetCaches();
  }

  @Test
  void describesEveryFileWithoutKeys() throws Exception {
    Path report = dir.resolve("inventory.json");
    // No KMS settings at all: only what the format leaves readable.
    var r =
        Lakes.cli("inventory", lake.toString(), "--engine", "local", "--report", report.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(Files.readString(report));
    assertThat(json.at("/totals/files").asInt()).isEqualTo(4);
    assertThat(json.at("/totals/done").asInt()).isEqualTo(4);
    assertThat(json.at("/keys/pii@1").asInt()).isEqualTo(3);
    Map<String, JsonNode> byDir = new java.util.HashMap<>();
    json.get("files")
        .forEach(
            f ->
                byDir.put(
                    Path.of(f.get("path").asText().substring(5))
                        .getParent()
                        .getFileName()
                        .toString(),
                    f.get("info")));
    assertThat(byDir.get("plain").get("kind").asText()).isEqualTo("plaintext");
    JsonNode internal = byDir.get("day=1");
    assertThat(internal.get("footerMode").asText()).isEqualTo("encrypted");
    assertThat(internal.get("keyMaterial").asText()).isEqualTo("internal");
    assertThat(internal.get("algorithm").asText()).isEqualTo("AES_GCM_V1");
    assertThat(internal.get("table").asText()).endsWith("/lake/t");
    assertThat(internal.get("keys").get(0).get("masterKeyVersion").asText()).isEqualTo("1");
    JsonNode plaintextFooter = byDir.get("day=2");
    assertThat(plaintextFooter.get("footerMode").asText()).isEqualTo("plaintext");
    assertThat(plaintextFooter.get("encryptedColumns").toString()).contains("ssn");
    JsonNode external = byDir.get("day=3");
    assertThat(external.get("keyMaterial").asText()).isEqualTo("external");
    assertThat(external.get("algorithm").asText()).isEqualTo("AES_GCM_CTR_V1");
    assertThat(external.get("keys").size()).isGreaterThanOrEqualTo(2); // footer + ssn column
  }

  @Test
  void corruptFileIsReportedAndTheRestDone() throws Exception {
    Path bad = dir.resolve("badlake");
    Lakes.write(Map.of(), bad.resolve("part-0.parquet"), 5);
    Files.write(bad.resolve("part-1.parquet"), new byte[] {'P', 'A', 'R', '1', 0, 0, 0});
    var r = Lakes.cli("inventory", bad.toString(), "--engine", "local");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out())
        .contains("FAILED")
        .contains("part-1.parquet")
        .contains("not a Parquet file");
  }

  @Test
  void unknownPathFailsClearly() {
    var r = Lakes.cli("inventory", dir.resolve("nope").toString(), "--engine", "local");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("no such path");
  }
}
