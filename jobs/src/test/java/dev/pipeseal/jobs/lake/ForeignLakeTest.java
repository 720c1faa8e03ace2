package dev.pipeseal.jobs.lake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.testing.Lakes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.ColumnEncryptionProperties;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.crypto.FileEncryptionProperties;
import org.apache.parquet.crypto.ParquetCipher;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lakes the jobs did not write: PME files with explicit keys (parquet-java's low-level API, the
 * same key metadata arrow-cpp writes), stray non-Parquet files, and a lake copied to another path.
 */
class ForeignLakeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;
  private Map<String, String> kms;
  private final byte[] footerKey = new byte[16];
  private final byte[] columnKey = new byte[32];
  private Path footerKeyFile;
  private Path columnKeyFile;

  @BeforeEach
  void keys() throws IOException {
    kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    RANDOM.nextBytes(footerKey);
    RANDOM.nextBytes(columnKey);
    // Hex for one, base64 for the other: both forms an operator may hold keys in.
    footerKeyFile = Files.writeString(dir.resolve("kf.key"), HexFormat.of().formatHex(footerKey));
    columnKeyFile =
        Files.writeString(
            dir.resolve("kc.key"), java.util.Base64.getEncoder().encodeToString(columnKey) + "\n");
  }

  @AfterEach
  void reset() {
    Lakes.resetCaches();
  }

  /** A file as parquet-java's low-level API writes it: key ids as key metadata, no KMS. */
  private void writeExplicit(Path file, boolean plaintextFooter, ParquetCipher cipher, String aad)
      throws IOException {
    Files.createDirectories(file.getParent());
    ColumnEncryptionProperties ssn =
        ColumnEncryptionProperties.builder("ssn").withKey(columnKey).withKeyID("kc1").build();
    FileEncryptionProperties.Builder b =
        FileEncryptionProperties.builder(footerKey)
            .withFooterKeyID("kf")
            .withAlgorithm(cipher)
            .withEncryptedColumns(Map.of(ColumnPath.get("ssn"), ssn));
    if (plaintextFooter) {
      b.withPlaintextFooter();
    }
    if (aad != null) {
      b.withAADPrefix(aad.getBytes(StandardCharsets.UTF_8));
    }
    SimpleGroupFactory f = new SimpleGroupFactory(Lakes.SCHEMA);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(new Configuration())
            .withType(Lakes.SCHEMA)
            .withEncryption(b.build())
            .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
            .build()) {
      for (long i = 0; i < 20; i++) {
        w.write(f.newGroup().append("id", i).append("ssn", "ssn-" + i).append("note", "n" + i));
      }
    }
  }

  /** Reads an explicit-key file with the keys, as its writer's readers would. */
  private int readExplicit(Path file) throws IOException {
    FileDecryptionProperties d =
        FileDecryptionProperties.builder()
            .withKeyRetriever(
                m -> {
                  String id = new String(m, StandardCharsets.UTF_8);
                  return id.equals("kf") ? footerKey.clone() : columnKey.clone();
                })
            .build();
    int n = 0;
    try (ParquetReader<Group> r =
        ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(new Configuration())
            .withDecryption(d)
            .build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        assertThat(g.getString("ssn", 0)).isEqualTo("ssn-" + g.getLong("id", 0));
        n++;
      }
    }
    return n;
  }

  private String[] args(String command, Path lake, String... extra) {
    List<String> a = new ArrayList<>(List.of(command, lake.toString(), "--engine", "local"));
    kms.forEach(
        (k, v) -> {
          a.add("--conf");
          a.add(k + "=" + v);
        });
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  private String explicitKeys() {
    return "pipeseal.jobs.explicit-keys=kf=file:" + footerKeyFile + ",kc1=file:" + columnKeyFile;
  }

  private static Map<String, JsonNode> byName(JsonNode report) {
    Map<String, JsonNode> m = new HashMap<>();
    report
        .get("files")
        .forEach(
            f ->
                m.put(
                    Path.of(f.get("path").asText().replaceFirst("^file:", ""))
                        .getFileName()
                        .toString(),
                    f));
    return m;
  }

  private JsonNode inventoryJson(Path lake, String... extra) throws IOException {
    List<String> a = new ArrayList<>(List.of("inventory", lake.toString(), "--engine", "local"));
    a.addAll(List.of(extra));
    a.add("--json");
    var r = Lakes.cli(a.toArray(String[]::new));
    // stdout is the JSON document alone; the human summary is on stderr.
    JsonNode json = JSON.readTree(r.out());
    assertThat(json.get("exitCode").asInt()).isEqualTo(r.code());
    return json;
  }

  @Test
  void explicitKeyFilesAreInventoriedAsPme() throws Exception {
    Path lake = dir.resolve("foreign");
    writeExplicit(lake.resolve("enc-footer.parquet"), false, ParquetCipher.AES_GCM_V1, null);
    writeExplicit(
        lake.resolve("plain-footer.parquet"), true, ParquetCipher.AES_GCM_CTR_V1, "arrow:t1");
    JsonNode inv = inventoryJson(lake);
    assertThat(inv.get("exitCode").asInt()).as(inv.toString()).isZero();
    assertThat(inv.at("/totals/done").asInt()).isEqualTo(2);
    assertThat(inv.at("/keys/explicit:kf").asInt()).isEqualTo(2);
    assertThat(inv.at("/keys/explicit:kc1").asInt()).isEqualTo(1); // hidden by the encrypted footer
    Map<String, JsonNode> files = byName(inv);
    JsonNode enc = files.get("enc-footer.parquet").get("info");
    assertThat(enc.get("kind").asText()).isEqualTo("pme");
    assertThat(enc.get("keyMaterial").asText()).isEqualTo("explicit");
    assertThat(enc.get("footerMode").asText()).isEqualTo("encrypted");
    assertThat(enc.get("algorithm").asText()).isEqualTo("AES_GCM_V1");
    assertThat(enc.at("/keys/0/masterKey").asText()).isEqualTo("kf");
    assertThat(enc.at("/keys/0/storage").asText()).isEqualTo("explicit");
    JsonNode plain = files.get("plain-footer.parquet").get("info");
    assertThat(plain.get("algorithm").asText()).isEqualTo("AES_GCM_CTR_V1");
    assertThat(plain.get("aadPrefix").asText()).isEqualTo("arrow:t1");
    assertThat(plain.has("table")).isFalse();
    assertThat(plain.get("encryptedColumns").toString()).contains("ssn");
    List<String> keyIds = new ArrayList<>();
    plain.get("keys").forEach(k -> keyIds.add(k.get("reference") + "=" + k.get("masterKey")));
    assertThat(keyIds).containsExactly("\"footer\"=\"kf\"", "\"ssn\"=\"kc1\"");

    // rotate has no KMS key to rewrap there: skipped with the way out, not failed or "unchanged".
    var rotate = Lakes.cli(args("rotate", lake, "--json"));
    assertThat(rotate.code()).as(rotate.err()).isZero();
    JsonNode rot = JSON.readTree(rotate.out());
    assertThat(rot.at("/totals/skipped").asInt()).isEqualTo(2);
    assertThat(rot.toString()).contains("reencrypt and pipeseal.jobs.explicit-keys");
  }

  @Test
  void reencryptMigratesExplicitKeysToKmsKeys() throws Exception {
    Path lake = dir.resolve("foreign");
    Path enc = lake.resolve("d=1/enc-footer.parquet");
    Path plain = lake.resolve("d=2/plain-footer.parquet");
    writeExplicit(enc, false, ParquetCipher.AES_GCM_V1, null);
    writeExplicit(plain, true, ParquetCipher.AES_GCM_CTR_V1, "arrow:t1");
    String policy = "pipeseal.parquet.columns.pii=ssn";

    // Without the keys: every file fails naming the key id to supply, and stays as it was.
    var refused = Lakes.cli(args("reencrypt", lake, "--conf", policy, "--json"));
    assertThat(refused.code()).isEqualTo(1);
    JsonNode r1 = JSON.readTree(refused.out());
    assertThat(r1.at("/totals/failed").asInt()).isEqualTo(2);
    assertThat(refused.err()).contains("FAILED");
    assertThat(readExplicit(enc)).isEqualTo(20);
    assertThat(readExplicit(plain)).isEqualTo(20);

    // A key id the operator did not supply is named, with the setting to supply it.
    var partial =
        Lakes.cli(
            args(
                "reencrypt",
                lake,
                "--conf",
                policy,
                "--conf",
                "pipeseal.jobs.explicit-keys=kf=file:" + footerKeyFile,
                "--restart"));
    assertThat(partial.code()).isEqualTo(1);
    assertThat(partial.out())
        .contains("explicit key 'kc1'")
        .contains("pipeseal.jobs.explicit-keys");
    assertThat(readExplicit(enc)).isEqualTo(20);

    var migrated =
        Lakes.cli(args("reencrypt", lake, "--conf", policy, "--conf", explicitKeys(), "--restart"));
    assertThat(migrated.code()).as(migrated.out() + migrated.err()).isZero();
    String all = migrated.out() + migrated.err();
    for (byte[] key : List.of(footerKey, columnKey)) {
      assertThat(all)
          .doesNotContain(HexFormat.of().formatHex(key))
          .doesNotContain(java.util.Base64.getEncoder().encodeToString(key));
    }

    JsonNode inv = inventoryJson(lake);
    assertThat(inv.at("/keys/pii@1").asInt()).isEqualTo(2);
    assertThat(inv.toString()).doesNotContain("explicit:");
    Map<String, String> policyConf = Lakes.policy(kms, "pii");
    assertThat(Lakes.readAll(policyConf, enc)).isEqualTo(20);
    assertThat(Lakes.readAll(policyConf, plain)).isEqualTo(20);
    var verify = Lakes.cli(args("verify", lake));
    assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
  }

  @Test
  void verifyReadsExplicitKeyFilesWithTheSuppliedKeys() throws Exception {
    Path lake = dir.resolve("foreign");
    writeExplicit(lake.resolve("a.parquet"), false, ParquetCipher.AES_GCM_V1, null);
    var without = Lakes.cli(args("verify", lake));
    assertThat(without.code()).isEqualTo(1);
    var with = Lakes.cli(args("verify", lake, "--conf", explicitKeys()));
    assertThat(with.code()).as(with.out() + with.err()).isZero();
    assertThat(with.out()).contains("done=1");
  }

  @Test
  void strayFilesAreSkippedAndDamagedParquetStillFails() throws Exception {
    Path lake = dir.resolve("mixed");
    Lakes.write(Lakes.policy(kms, "pii"), lake.resolve("d=1/part-0.parquet"), 10);
    Files.writeString(lake.resolve("README.md"), "# the users table\n");
    Files.writeString(lake.resolve("d=1/export.csv"), "id,ssn\n1,x\n");
    Files.writeString(lake.resolve("load.py"), "print('hi')\n");
    Files.write(lake.resolve("d=1/blob.bin"), new byte[] {1, 2});
    Files.write(lake.resolve("d=1/empty"), new byte[0]);

    JsonNode inv = inventoryJson(lake);
    assertThat(inv.get("exitCode").asInt()).as(inv.toString()).isZero();
    assertThat(inv.at("/totals/skipped").asInt()).isEqualTo(5);
    assertThat(inv.at("/totals/done").asInt()).isEqualTo(1);
    Map<String, JsonNode> files = byName(inv);
    assertThat(files.get("README.md").at("/info/kind").asText()).isEqualTo("not-parquet");
    assertThat(files.get("blob.bin").get("status").asText()).isEqualTo("SKIPPED");

    for (String job : List.of("rotate", "verify")) {
      var r = Lakes.cli(args(job, lake));
      assertThat(r.code()).as(job + ": " + r.out() + r.err()).isZero();
      assertThat(r.out()).contains("skipped=5");
    }
    var re = Lakes.cli(args("reencrypt", lake, "--conf", "pipeseal.parquet.columns.pii=ssn"));
    assertThat(re.code()).as(re.out() + re.err()).isZero();
    assertThat(Files.readString(lake.resolve("d=1/export.csv"))).isEqualTo("id,ssn\n1,x\n");

    // Parquet by name or by magic, but damaged: still a failure (exit 2: the rest was done).
    Files.writeString(lake.resolve("d=1/part-9.parquet"), "not really parquet");
    byte[] magicOnly = "PAR1 truncated".getBytes(StandardCharsets.US_ASCII);
    Files.write(lake.resolve("d=1/part-10"), magicOnly);
    JsonNode bad = inventoryJson(lake);
    assertThat(bad.get("exitCode").asInt()).isEqualTo(2);
    assertThat(bad.at("/totals/failed").asInt()).isEqualTo(2);
    assertThat(byName(bad).get("part-9.parquet").get("message").asText())
        .contains("not a Parquet file");
  }

  @Test
  void jsonOutputIsTheDocumentAloneEvenWhenFilesFail() throws Exception {
    Path lake = dir.resolve("lake");
    Lakes.write(Lakes.policy(kms, "pii"), lake.resolve("part-0.parquet"), 10);
    Files.writeString(lake.resolve("part-1.parquet"), "garbage");
    var r = Lakes.cli(args("verify", lake, "--json"));
    assertThat(r.code()).isEqualTo(2);
    JsonNode json = JSON.readTree(r.out()); // throws if anything else is on stdout
    assertThat(json.at("/totals/failed").asInt()).isEqualTo(1);
    assertThat(byName(json).get("part-1.parquet").get("status").asText()).isEqualTo("FAILED");
    assertThat(r.err()).contains("FAILED ").contains("files: ");

    var missing = Lakes.cli(args("verify", dir.resolve("nope"), "--json"));
    assertThat(missing.code()).isEqualTo(1);
    JsonNode m = JSON.readTree(missing.out());
    assertThat(m.get("exitCode").asInt()).isEqualTo(1);
    assertThat(m.get("problems").get(0).asText()).contains("no such path");
  }

  @Test
  void inventoryNamesTheTableOfACopiedLake() throws Exception {
    Path original = dir.resolve("a/users");
    Lakes.write(Lakes.policy(kms, "pii"), original.resolve("day=1/part-0.parquet"), 10);
    Path copy = dir.resolve("b/users");
    Files.createDirectories(copy.resolve("day=1"));
    Files.copy(original.resolve("day=1/part-0.parquet"), copy.resolve("day=1/part-0.parquet"));
    String table = original.toAbsolutePath().toString();

    var verify = Lakes.cli(args("verify", copy));
    assertThat(verify.code()).isEqualTo(1);
    assertThat(verify.out()).contains("belongs to table '" + table + "'");

    var inv = Lakes.cli(args("inventory", copy));
    assertThat(inv.code()).isZero();
    assertThat(inv.out())
        .contains("tables (files): {" + table + "=1}")
        .contains("--conf pipeseal.parquet.table=" + table);
    JsonNode json = inventoryJson(copy);
    assertThat(json.at("/tables").toString()).contains(table);
    JsonNode info = json.get("files").get(0).get("info");
    assertThat(info.get("table").asText()).isEqualTo(table);
    assertThat(info.get("locationTable").asText()).endsWith("/b/users");

    var fixed = Lakes.cli(args("verify", copy, "--conf", "pipeseal.parquet.table=" + table));
    assertThat(fixed.code()).as(fixed.out() + fixed.err()).isZero();
    // The original, inventoried in place, has nothing to point out.
    assertThat(Lakes.cli(args("inventory", original)).out()).doesNotContain("note:");
  }
}
