package dev.pipeseal.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.testing.Lakes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pipeseal demo} end to end on local Spark, checked from outside the demo. */
class DemoJobTest {
  @TempDir Path dir;

  @AfterEach
  void clean() {
    Lakes.resetCaches();
  }

  @Test
  void writesAnEncryptedLakeRotatesVerifiesAndCatchesTampering() throws Exception {
    var r = Lakes.cli("demo", "--dir", dir.toString(), "--rows", "300");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    Path lake = dir.resolve("lake");
    List<Path> files = DemoJob.dataFiles(lake);
    assertThat(files).hasSizeGreaterThanOrEqualTo(3); // three day partitions at least
    assertThat(r.out())
        .contains("wrote 300 synthetic records through Spark: " + files.size() + " Parquet files")
        .contains("3 day partitions")
        .contains("without keys: " + files.size() + " of " + files.size() + " footers encrypted")
        .contains("Spark read refused (ParquetCryptoRuntimeException)")
        .contains("join key: record 7 found by its encrypted email")
        .contains("pii -> 2, embeddings -> 2")
        .contains("rewrapped the key material of " + files.size() + " files")
        .contains("rewrapped 2 of 2 registry records")
        .contains("verify job: " + files.size() + " of " + files.size() + " files")
        .contains("verified 300 records through Spark: every value decrypts")
        .contains(
            "a flipped bit in a cell was refused: AuthenticationFailedException in pipeseal_decrypt"
                + " failed for column 'ssn' (context 'ssn', master key 'pii')")
        .containsPattern("flipped byte in a data file was refused by verify: .*TagVerification");

    for (Path f : files) {
      byte[] bytes = Files.readAllBytes(f);
      String text = new String(bytes, StandardCharsets.ISO_8859_1);
      assertThat(text).as("encrypted footer").endsWith("PARE");
      // No PII in clear: names and notes are PME columns, emails and SSNs Pipeseal cells.
      assertThat(text).doesNotContain("@example.com").doesNotContain("Customer ");
      assertThat(text).doesNotContain("Lovelace").doesNotContain("Turing");
      assertThat(f.resolveSibling("_KEY_MATERIAL_FOR_" + f.getFileName() + ".json")).exists();
      assertThatThrownBy(
              () ->
                  ParquetFileReader.open(
                          HadoopInputFile.fromPath(
                              new org.apache.hadoop.fs.Path(f.toUri()), new Configuration()))
                      .close())
          .isInstanceOf(ParquetCryptoRuntimeException.class);
    }

    // Every key material entry is under the rolled versions, read from the files themselves.
    Path report = dir.resolve("inventory.json");
    var inv =
        Lakes.cli("inventory", lake.toString(), "--engine", "local", "--report", report.toString());
    assertThat(inv.code()).as(inv.out() + inv.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(Files.readString(report));
    List<String> keys = new ArrayList<>();
    json.get("files")
        .forEach(
            f ->
                f.at("/info/keys")
                    .forEach(
                        k ->
                            keys.add(
                                k.get("masterKey").asText()
                                    + "@"
                                    + k.get("masterKeyVersion").asText())));
    assertThat(keys).contains("pii@2", "embeddings@2").containsOnly("pii@2", "embeddings@2");

    // The PME columns decrypt, outside the demo, to the synthetic values (cold caches).
    Lakes.resetCaches();
    assertThat(readNames(files.get(0))).isPositive();

    // Audit lines name keys and operations, never key bytes.
    String audit = Files.readString(dir.resolve("audit.jsonl"));
    assertThat(audit).contains("\"op\":\"generate\"").contains("\"op\":\"rewrap\"");
    assertThat(audit).doesNotContain("wrapped");

    // A second run reuses the key store and registry: everything moves to the next version.
    var again = Lakes.cli("demo", "--dir", dir.toString(), "--rows", "100");
    assertThat(again.code()).as(again.out() + again.err()).isZero();
    assertThat(again.out()).contains("pii -> 3").contains("verified 100 records");
  }

  /** Reads {@code file} with the demo's key store and checks every name; returns the rows. */
  private int readNames(Path file) throws Exception {
    Configuration conf = new Configuration();
    Map.of(
            "parquet.crypto.factory.class",
            Lakes.FACTORY,
            "pipeseal.kms.uri",
            "local://" + dir.resolve("keys.p12"),
            "pipeseal.kms.provider.password",
            "file:" + dir.resolve("keystore.password"),
            "pipeseal.kms.audit.sink",
            "none",
            "pipeseal.parquet.table",
            DemoJob.TABLE)
        .forEach(conf::set);
    SyntheticRecords records = new SyntheticRecords(42);
    int n = 0;
    try (ParquetReader<Group> r =
        ParquetReader.builder(new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(conf)
            .build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        SyntheticRecords.Row want = records.row(g.getLong("id", 0));
        assertThat(g.getString("name", 0)).isEqualTo(want.name());
        assertThat(g.getString("note", 0)).isEqualTo(want.note());
        // The cells stay Pipeseal envelopes (binary), never the plaintext SSN.
        assertThat(g.getBinary("ssn", 0).toStringUsingUTF8()).doesNotContain(want.ssn());
        n++;
      }
    }
    return n;
  }

  @Test
  void aWrongKeyStorePasswordFailsCleanly() throws Exception {
    // The key store the demo would have made, under another password.
    Files.writeString(dir.resolve("keystore.password"), "first password");
    Lakes.admin(
            Map.of(
                "pipeseal.kms.uri",
                "local://" + dir.resolve("keys.p12"),
                "pipeseal.kms.provider.password",
                "file:" + dir.resolve("keystore.password"),
                "pipeseal.kms.provider.create",
                "true",
                "pipeseal.kms.audit.sink",
                "none"))
        .createKey(DemoJob.PII);
    Lakes.resetCaches();
    Files.writeString(dir.resolve("keystore.password"), "not the password");
    var r = Lakes.cli("demo", "--dir", dir.toString(), "--rows", "10");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("pipeseal demo: failed").doesNotContain("not the password");
    assertThat(r.out()).doesNotContain("wrote");
  }
}
