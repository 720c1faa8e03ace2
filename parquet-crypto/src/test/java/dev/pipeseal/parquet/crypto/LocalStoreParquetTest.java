package dev.pipeseal.parquet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.parquet.kms.PipesealKmsClient;
import dev.pipeseal.parquet.kms.WrappedKeyString;
import dev.pipeseal.parquet.testing.KeySources;
import dev.pipeseal.parquet.testing.Rows;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.crypto.TagVerificationException;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy factory and KMS client with plain parquet-java, on the local key store. */
class LocalStoreParquetTest {
  private static final int N = 300;
  private static final String FACTORY = PipesealCryptoFactory.class.getName();

  @TempDir static Path keys;
  @TempDir Path dir;
  private static Map<String, String> kms;

  @BeforeAll
  static void keys() {
    KeySources.reset();
    kms = KeySources.localStore(keys);
    KeySources.createKeys(kms, "pii", "emb", "footer");
  }

  @AfterAll
  static void close() {
    KeySources.reset();
  }

  private static Map<String, String> policy(String... kv) {
    Map<String, String> m = new HashMap<>(kms);
    m.put("parquet.crypto.factory.class", FACTORY);
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private org.apache.hadoop.fs.Path file(String table) throws IOException {
    Path t = Files.createDirectories(dir.resolve(table));
    return new org.apache.hadoop.fs.Path(t.resolve("part-0.parquet").toUri());
  }

  private static Map<String, Boolean> encryptedColumns(
      Configuration conf, org.apache.hadoop.fs.Path f) throws IOException {
    Map<String, Boolean> out = new HashMap<>();
    try (ParquetFileReader r = open(conf, f)) {
      for (ColumnChunkMetaData c : r.getFooter().getBlocks().get(0).getColumns()) {
        out.put(c.getPath().toDotString(), c.isEncrypted());
      }
    }
    return out;
  }

  @Test
  void everySelectorKindEncryptsTheRightLeaves() throws Exception {
    Configuration conf =
        Rows.conf(
            policy(
                "pipeseal.parquet.columns.pii", "ssn, glob:*mail, address, tags",
                "pipeseal.parquet.columns.emb", "type:array<float>",
                "pipeseal.parquet.footer.key", "footer"));
    var f = file("t1");
    Rows.write(conf, f, N);
    Rows.verify(Rows.read(conf, f, null), N);
    Map<String, Boolean> enc = encryptedColumns(conf, f);
    assertThat(enc)
        .containsEntry("ssn", true)
        .containsEntry("email", true)
        .containsEntry("address.street", true)
        .containsEntry("address.zip", true)
        .containsEntry("embedding.list.element", true)
        .containsEntry("tags.key_value.key", true)
        .containsEntry("tags.key_value.value", true)
        .containsEntry("id", false)
        .containsEntry("note", false);
  }

  @Test
  void plaintextFooterKeepsOtherColumnsReadableWithoutKeys() throws Exception {
    Configuration conf =
        Rows.conf(
            policy(
                "pipeseal.parquet.columns.pii", "ssn",
                "pipeseal.parquet.footer.plaintext", "true"));
    var f = file("t2");
    Rows.write(conf, f, N);
    Configuration noKeys = new Configuration();
    List<Group> rows =
        Rows.read(noKeys, f, "message row { required int64 id; optional binary note (STRING); }");
    assertThat(rows).hasSize(N);
    assertThat(rows.get(7).getString("note", 0)).isEqualTo("note 7");
    assertThatThrownBy(() -> Rows.read(noKeys, f, "message row { optional binary ssn (STRING); }"))
        .hasStackTraceContaining("ssn");
  }

  @Test
  void externalKeyMaterialAndCtrAlgorithm() throws Exception {
    Configuration conf =
        Rows.conf(
            policy(
                "pipeseal.parquet.columns.pii", "ssn,email",
                "pipeseal.parquet.columns.emb", "embedding",
                "pipeseal.parquet.footer.key", "footer",
                "pipeseal.parquet.key-material", "external",
                "pipeseal.parquet.algorithm", "AES_GCM_CTR_V1"));
    var f = file("t3");
    Rows.write(conf, f, N);
    Path material = dir.resolve("t3/_KEY_MATERIAL_FOR_part-0.parquet.json");
    assertThat(material).exists();
    String json = Files.readString(material);
    assertThat(json).contains("\\\"masterKeyID\\\":\\\"emb\\\"").doesNotContain("768");
    Rows.verify(Rows.read(conf, f, null), N);
  }

  @Test
  void ourFilesReadWithStockFactoryAndOurClient() throws Exception {
    var f = file("t4");
    Rows.write(
        Rows.conf(
            policy(
                "pipeseal.parquet.columns.pii", "ssn,address",
                "pipeseal.parquet.columns.emb", "type:array<float>",
                "pipeseal.parquet.footer.key", "footer")),
        f,
        N);
    Map<String, String> stock = new HashMap<>(kms);
    stock.put(
        "parquet.crypto.factory.class",
        "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory");
    stock.put("parquet.encryption.kms.client.class", PipesealKmsClient.class.getName());
    Rows.verify(Rows.read(Rows.conf(stock), f, null), N);
  }

  @Test
  void stockFilesReadWithOurFactory() throws Exception {
    Map<String, String> stock = new HashMap<>(kms);
    stock.put(
        "parquet.crypto.factory.class",
        "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory");
    stock.put("parquet.encryption.kms.client.class", PipesealKmsClient.class.getName());
    stock.put("parquet.encryption.footer.key", "footer");
    stock.put("parquet.encryption.column.keys", "pii:ssn,address.zip;emb:embedding.list.element");
    var f = file("t5");
    Rows.write(Rows.conf(stock), f, N);
    // Stock writers set no AAD prefix, so table verification must be off to read them.
    Configuration ours = Rows.conf(policy("pipeseal.parquet.table.verify", "false"));
    Rows.verify(Rows.read(ours, f, null), N);
    Configuration strict = Rows.conf(policy());
    assertThatThrownBy(() -> Rows.read(strict, f, null)).hasStackTraceContaining("AAD Prefix");
  }

  @Test
  void fileCopiedToAnotherTableFails() throws Exception {
    Configuration conf = Rows.conf(policy("pipeseal.parquet.columns.pii", "ssn"));
    var f = file("users");
    Rows.write(conf, f, N);
    Path other = Files.createDirectories(dir.resolve("other"));
    Files.copy(Path.of(f.toUri()), other.resolve("part-0.parquet"));
    var moved = new org.apache.hadoop.fs.Path(other.resolve("part-0.parquet").toUri());
    assertThatThrownBy(() -> Rows.read(conf, moved, null))
        .hasStackTraceContaining("belongs to table")
        .hasStackTraceContaining("users");
  }

  @Test
  void missingMasterKeyNamesFileAndKey() throws Exception {
    Configuration conf =
        Rows.conf(
            policy(
                "pipeseal.parquet.columns.pii",
                "ssn",
                "pipeseal.parquet.footer.plaintext",
                "true"));
    var f = file("t6");
    Rows.write(conf, f, N);
    // Another key store holds no key 'pii'. The signed plaintext footer needs the footer key
    // (here 'pii') first; the per-column case is in HadoopKmsParquetTest (a KMS ACL).
    Path otherKeys = Files.createDirectories(dir.resolve("other-keys"));
    Map<String, String> other = new HashMap<>(KeySources.localStore(otherKeys));
    other.put("parquet.crypto.factory.class", FACTORY);
    Configuration wrong = Rows.conf(other);
    Throwable t =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> Rows.read(wrong, f, "message row { optional binary ssn (STRING); }"));
    assertThat(t).isNotNull();
    assertThat(stackText(t)).contains("Footer key").contains("'pii'").contains(f.getName());
  }

  @Test
  void missingColumnKeyNamesColumnFileAndKey() throws Exception {
    Path store = Files.createDirectories(dir.resolve("store"));
    Map<String, String> own = KeySources.localStore(store);
    KeySources.createKeys(own, "footer");
    // A reader's copy of the store that has the footer key but not the column key.
    Path readerStore = Files.createDirectories(dir.resolve("reader-store"));
    Files.copy(store.resolve("keys.p12"), readerStore.resolve("keys.p12"));
    KeySources.createKeys(own, "pii");
    Map<String, String> w = new HashMap<>(own);
    w.put("parquet.crypto.factory.class", FACTORY);
    w.put("pipeseal.parquet.columns.pii", "ssn");
    w.put("pipeseal.parquet.footer.key", "footer");
    var f = file("t10");
    Rows.write(Rows.conf(w), f, N);
    Map<String, String> r = new HashMap<>(KeySources.localStore(readerStore));
    r.put("parquet.crypto.factory.class", FACTORY);
    Configuration reader = Rows.conf(r);
    assertThat(Rows.read(reader, f, "message row { optional binary note (STRING); }")).hasSize(N);
    Throwable t =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> Rows.read(reader, f, "message row { optional binary ssn (STRING); }"));
    assertThat(stackText(t)).contains("Column [ssn]").contains("'pii'").contains(f.toString());
  }

  @Test
  void policyFileWithCompleteColumnsEncryptsEveryColumn() throws Exception {
    Path policyFile = dir.resolve("users.properties");
    Files.writeString(
        policyFile,
        "pipeseal.parquet.columns.emb=type:array<float>\n"
            + "pipeseal.parquet.footer.key=footer\n"
            + "pipeseal.parquet.complete-columns=true\n"
            + "pipeseal.parquet.footer.plaintext=true\n");
    Configuration conf = Rows.conf(policy("pipeseal.parquet.policy.file", policyFile.toString()));
    var f = file("t11");
    Rows.write(conf, f, N);
    Rows.verify(Rows.read(conf, f, null), N);
    // The footer is readable, but even 'note' (no rule) is encrypted, with the footer key.
    assertThatThrownBy(
            () ->
                Rows.read(new Configuration(), f, "message row { optional binary note (STRING); }"))
        .isNotNull();
  }

  @Test
  void unknownMasterKeyOnWriteFails() throws Exception {
    Configuration conf = Rows.conf(policy("pipeseal.parquet.columns.nosuchkey", "ssn"));
    var f = file("t7");
    assertThatThrownBy(() -> Rows.write(conf, f, 10)).hasStackTraceContaining("nosuchkey");
  }

  @Test
  void tamperedColumnDataFails() throws Exception {
    Configuration conf = Rows.conf(policy("pipeseal.parquet.columns.pii", "ssn,email"));
    var f = file("t8");
    Rows.write(conf, f, N);
    long offset;
    try (ParquetFileReader r = open(conf, f)) {
      offset =
          r.getFooter().getBlocks().get(0).getColumns().stream()
              .filter(c -> c.getPath().toDotString().equals("ssn"))
              .findFirst()
              .orElseThrow()
              .getStartingPos();
    }
    try (RandomAccessFile raf = new RandomAccessFile(Path.of(f.toUri()).toFile(), "rw")) {
      raf.seek(offset + 40);
      int b = raf.read();
      raf.seek(offset + 40);
      raf.write(b ^ 0x01);
    }
    // Remove the local file system's checksum so the change reaches Parquet's own checks.
    Files.deleteIfExists(dir.resolve("t8/.part-0.parquet.crc"));
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> Rows.read(conf, f, null));
    boolean tagFailure = false;
    for (Throwable c = t; c != null; c = c.getCause()) {
      tagFailure |= c instanceof TagVerificationException;
    }
    assertThat(tagFailure).as("GCM tag failure in %s", t).isTrue();
  }

  @Test
  void wrappedKeysRecordProviderKeyAndVersion() throws Exception {
    Configuration conf =
        Rows.conf(
            policy(
                "pipeseal.parquet.columns.pii", "ssn",
                "pipeseal.parquet.key-material", "external"));
    var f = file("t9");
    Rows.write(conf, f, 20);
    String json = Files.readString(dir.resolve("t9/_KEY_MATERIAL_FOR_part-0.parquet.json"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("wrappedKEK\\\\\":\\\\\"([A-Za-z0-9+/=]+)").matcher(json);
    assertThat(m.find()).isTrue();
    WrappedKeyString w = WrappedKeyString.decode(m.group(1), "pii");
    assertThat(w.wrapped().provider()).isEqualTo("local");
    assertThat(w.wrapped().masterKeyName()).isEqualTo("pii");
    assertThat(w.wrapped().masterKeyVersion()).isEqualTo("1");
  }

  @Test
  void rotationRewrapsExternalKeyMaterialWithoutTouchingData() throws Exception {
    Path store = Files.createDirectories(dir.resolve("rotating-store"));
    Map<String, String> own = KeySources.localStore(store);
    KeySources.createKeys(own, "rot");
    Map<String, String> w = new HashMap<>(own);
    w.put("parquet.crypto.factory.class", FACTORY);
    w.put("pipeseal.parquet.columns.rot", "ssn,embedding");
    w.put("pipeseal.parquet.key-material", "external");
    Configuration conf = Rows.conf(w);
    var f = file("t12");
    Rows.write(conf, f, N);
    Path material = dir.resolve("t12/_KEY_MATERIAL_FOR_part-0.parquet.json");
    String json = Files.readString(material);
    var bridge = dev.pipeseal.kms.bridge.SharedKmsBridges.pinned(own).bridge();
    bridge.admin().orElseThrow().rotateKey("rot");
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("wrappedKEK\\\\\":\\\\\"([A-Za-z0-9+/=]+)").matcher(json);
    StringBuilder rewritten = new StringBuilder();
    int rewrapped = 0;
    while (m.find()) {
      String fresh =
          WrappedKeyString.rewrap(m.group(1), "rot", bridge).toCompletableFuture().join();
      assertThat(WrappedKeyString.decode(fresh, "rot").wrapped().masterKeyVersion()).isEqualTo("2");
      m.appendReplacement(
          rewritten,
          java.util.regex.Matcher.quoteReplacement(m.group().replace(m.group(1), fresh)));
      rewrapped++;
    }
    m.appendTail(rewritten);
    assertThat(rewrapped).isPositive();
    // As a rotation job would: through the Hadoop file system (which keeps its checksum file).
    var hadoopPath = new org.apache.hadoop.fs.Path(material.toUri());
    try (var out = hadoopPath.getFileSystem(conf).create(hadoopPath, true)) {
      out.write(rewritten.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    KeySources.reset(); // readers start cold: every key comes from the rewrapped material
    Rows.verify(Rows.read(conf, f, null), N);
  }

  static ParquetFileReader open(Configuration conf, org.apache.hadoop.fs.Path f)
      throws IOException {
    return ParquetFileReader.open(
        HadoopInputFile.fromPath(f, conf), HadoopReadOptions.builder(conf, f).build());
  }

  static String stackText(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getMessage()).append('\n');
    }
    return sb.toString();
  }
}
