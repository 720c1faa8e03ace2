package dev.pipeseal.jobs.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.jobs.testing.Lakes;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import dev.pipeseal.registry.KeyRegistries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
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

  /** Envelope cells as the Spark functions write them: registry ids, or wrapped keys inline. */
  private static byte[][] cells(String masterKey, Path registryDir, boolean inline, int n)
      throws Exception {
    byte[][] plain = new byte[n][];
    for (int i = 0; i < n; i++) {
      plain[i] = ("value-" + i).getBytes(StandardCharsets.UTF_8);
    }
    try (KeyRegistry registry = KeyRegistries.open(registryDir)) {
      EnvelopeKeys keys =
          EnvelopeKeys.withRegistry(SharedKmsBridges.pinned(kms).bridge(), registry);
      try (DataKeyPair pair = keys.generate(masterKey)) {
        KeyReference ref =
            inline
                ? KeyReference.inlineWrappedKey(WrappedKeyCodec.toBinary(pair.wrapped()))
                : keys.registryReference(pair.wrapped());
        try (EnvelopeEncryptor e =
            EnvelopeEncryptor.create(pair.plaintext(), Algorithm.XAES_256_GCM, ref)) {
          byte[][] out = new byte[n][];
          for (int i = 0; i < n; i++) {
            out[i] = e.encrypt(plain[i], EnvelopeContext.of("cell"));
          }
          return out;
        }
      }
    }
  }

  private static final MessageType CELLS =
      MessageTypeParser.parseMessageType(
          "message row { required int64 id; required binary ssn (UTF8); optional binary cell;"
              + " required binary note (UTF8); }");

  /** {@code n} rows: {@code cell} holds the given envelopes, {@code note} plain text. */
  private static void writeCells(Map<String, String> props, Path file, byte[][] cells)
      throws Exception {
    Files.createDirectories(file.getParent());
    SimpleGroupFactory f = new SimpleGroupFactory(CELLS);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(Lakes.conf(props))
            .withType(CELLS)
            .build()) {
      for (int i = 0; i < cells.length; i++) {
        Group g = f.newGroup().append("id", (long) i).append("ssn", "ssn-" + i);
        if (i % 10 != 3) { // some nulls: not sampled, not counted
          g.append("cell", Binary.fromConstantByteArray(cells[i]));
        }
        w.write(g.append("note", "plain text " + i));
      }
    }
  }

  @Test
  void listsTheRegistryKeysEnvelopeCellsReferenceBySampling() throws Exception {
    Path registryDir = dir.resolve("registry");
    Path cellLake = dir.resolve("cells");
    byte[][] byId = cells("pii", registryDir, false, 100);
    String id = KeyId.fromBytes(Envelope.parseHeader(byId[0]).keyReference().bytes()).hex();
    writeCells(Map.of(), cellLake.resolve("plain/part-0.parquet"), byId);
    writeCells(
        Lakes.policy(kms, "pii", "pipeseal.parquet.footer.plaintext", "true"),
        cellLake.resolve("signed/part-0.parquet"),
        byId);
    writeCells(
        Map.of(), cellLake.resolve("inline/part-0.parquet"), cells("pii", registryDir, true, 50));
    writeCells(Lakes.policy(kms, "pii"), cellLake.resolve("sealed/part-0.parquet"), byId);
    Lakes.resetCaches();

    // No KMS: plaintext files and plaintext footers are sampled; the encrypted footer is not.
    Path report = dir.resolve("cells.json");
    var r =
        Lakes.cli(
            "inventory",
            cellLake.toString(),
            "--engine",
            "local",
            "--registry",
            registryDir.toString(),
            "--report",
            report.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("cell keys (files): {inline:pii@1=1, registry:" + id + "=2}")
        .contains("registry ids: {" + id + "=pii@1}");
    JsonNode json = new ObjectMapper().readTree(Files.readString(report));
    assertThat(json.at("/cellKeys/registry:" + id).asInt()).isEqualTo(2);
    assertThat(json.at("/cellKeys/inline:pii@1").asInt()).isEqualTo(1);
    assertThat(json.at("/registryKeys/" + id).asText()).isEqualTo("pii@1");
    assertThat(json.at("/cellSampling").asText()).startsWith("first 32 values");
    Map<String, JsonNode> byDir = byDirectory(json);
    JsonNode plain = byDir.get("plain").at("/info/cells");
    assertThat(plain.size()).isEqualTo(1); // ssn and note are text, not envelopes
    assertThat(plain.at("/0/column").asText()).isEqualTo("cell");
    // 32 values of a 100-row chunk were looked at, of which 3 null (ids 3, 13, 23).
    assertThat(plain.at("/0/sampled").asInt()).isEqualTo(29);
    assertThat(plain.at("/0/registryKeys/0").asText()).isEqualTo(id);
    JsonNode signed = byDir.get("signed").at("/info/cells");
    assertThat(signed.at("/0/column").asText()).isEqualTo("cell"); // ssn is PME: not sampled
    assertThat(signed.size()).isEqualTo(1);
    assertThat(byDir.get("sealed").has("info")).isTrue();
    assertThat(byDir.get("sealed").at("/info/cells").isMissingNode()).isTrue();
    assertThat(byDir.get("sealed").get("message").asText())
        .contains("cells not sampled: encrypted footer");

    // With the KMS, the encrypted footer is read too (its unencrypted columns are sampled).
    List<String> withKms = new ArrayList<>(List.of("inventory", cellLake.toString()));
    withKms.addAll(List.of("--engine", "local", "--report", report.toString()));
    kms.forEach(
        (k, v) -> {
          withKms.add("--conf");
          withKms.add(k + "=" + v);
        });
    var k = Lakes.cli(withKms.toArray(String[]::new));
    assertThat(k.code()).as(k.out() + k.err()).isZero();
    json = new ObjectMapper().readTree(Files.readString(report));
    assertThat(json.at("/cellKeys/registry:" + id).asInt()).isEqualTo(3);
    assertThat(byDirectory(json).get("sealed").at("/info/cells/0/column").asText())
        .isEqualTo("cell");
  }

  private static Map<String, JsonNode> byDirectory(JsonNode json) {
    Map<String, JsonNode> m = new java.util.HashMap<>();
    json.get("files")
        .forEach(
            f ->
                m.put(
                    Path.of(f.get("path").asText().substring(5))
                        .getParent()
                        .getFileName()
                        .toString(),
                    f));
    return m;
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
