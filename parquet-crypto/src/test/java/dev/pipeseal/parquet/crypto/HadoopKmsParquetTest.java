package dev.pipeseal.parquet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pipeseal.kms.testing.HadoopKmsServer;
import dev.pipeseal.kms.testing.HadoopKmsServer.KeyOp;
import dev.pipeseal.parquet.kms.PipesealKmsClient;
import dev.pipeseal.parquet.kms.WrappedKeyString;
import dev.pipeseal.parquet.testing.KeySources;
import dev.pipeseal.parquet.testing.Rows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parquet files on a real Hadoop KMS server (child JVM), started once for the class. */
class HadoopKmsParquetTest {
  private static final int N = 200;
  private static HadoopKmsServer server;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    KeySources.reset();
    // Nobody may decrypt 'secret' EEKs: writers can still generate under it, readers cannot.
    server = HadoopKmsServer.builder().keyAcl("secret", KeyOp.DECRYPT_EEK, "nobody-at-all").start();
    server.createKey("pii");
    server.createKey("emb");
    server.createKey("secret");
  }

  @AfterAll
  static void stop() {
    KeySources.reset();
    if (server != null) {
      server.close();
    }
  }

  private static Map<String, String> props(String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("parquet.crypto.factory.class", PipesealCryptoFactory.class.getName());
    m.put("pipeseal.kms.uri", server.uri().toString());
    m.put("pipeseal.kms.audit.sink", "none");
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private org.apache.hadoop.fs.Path file(String table) throws Exception {
    Path t = Files.createDirectories(dir.resolve(table));
    return new org.apache.hadoop.fs.Path(t.resolve("part-0.parquet").toUri());
  }

  @Test
  void roundTripAndStockInteropOnHadoopKms() throws Exception {
    Configuration conf =
        Rows.conf(
            props(
                "pipeseal.parquet.columns.pii", "ssn,email,address",
                "pipeseal.parquet.columns.emb", "type:array<float>",
                "pipeseal.parquet.footer.key", "pii"));
    var f = file("t1");
    Rows.write(conf, f, N);
    Rows.verify(Rows.read(conf, f, null), N);
    Map<String, String> stock = new HashMap<>();
    stock.put(
        "parquet.crypto.factory.class",
        "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory");
    stock.put("parquet.encryption.kms.client.class", PipesealKmsClient.class.getName());
    // The KMS URI through Parquet's own property.
    stock.put("parquet.encryption.kms.instance.url", server.uri().toString());
    Rows.verify(Rows.read(Rows.conf(stock), f, null), N);
  }

  @Test
  void deniedMasterKeyFailsTheWriteNamingKeyAndFile() throws Exception {
    Configuration conf =
        Rows.conf(
            props(
                "pipeseal.parquet.columns.secret", "ssn",
                "pipeseal.parquet.columns.pii", "email",
                "pipeseal.parquet.footer.key", "pii"));
    var f = file("t2");
    Throwable t = catchThrowable(() -> Rows.write(conf, f, 10));
    assertThat(LocalStoreParquetTest.stackText(t)).contains("'secret'").contains("not authorized");
  }

  @Test
  void rotationIsRecordedInWrappedKeys() throws Exception {
    Configuration conf =
        Rows.conf(
            props(
                "pipeseal.parquet.columns.emb", "embedding",
                "pipeseal.parquet.key-material", "external",
                "pipeseal.kms.kek.enabled", "false"));
    var before = file("r1");
    Rows.write(conf, before, 20);
    server.rollNewVersion("emb");
    KeySources.reset(); // new KEKs and no cached master key description
    var after = file("r2");
    Rows.write(conf, after, 20);
    String v1 = version(dir.resolve("r1/_KEY_MATERIAL_FOR_part-0.parquet.json"));
    String v2 = version(dir.resolve("r2/_KEY_MATERIAL_FOR_part-0.parquet.json"));
    assertThat(v1).isNotEqualTo(v2);
    Rows.verify(Rows.read(conf, before, null), 20);
    Rows.verify(Rows.read(conf, after, null), 20);
  }

  private static String version(Path material) throws Exception {
    Matcher m =
        Pattern.compile("wrappedKEK\\\\\":\\\\\"([A-Za-z0-9+/=]+)")
            .matcher(Files.readString(material));
    assertThat(m.find()).isTrue();
    return WrappedKeyString.decode(m.group(1), "emb").wrapped().masterKeyVersion();
  }
}
