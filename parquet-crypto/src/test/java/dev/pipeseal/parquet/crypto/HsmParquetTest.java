package dev.pipeseal.parquet.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kms.pkcs11.SoftHsm;
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

/** Parquet files with master keys in a SoftHSM2 token (PKCS#11). */
class HsmParquetTest {
  private static Map<String, String> kms;

  @TempDir Path dir;

  @BeforeAll
  static void token() {
    KeySources.reset();
    SoftHsm.Setup hsm = SoftHsm.require();
    kms = new HashMap<>();
    kms.put("pipeseal.kms.uri", "pkcs11:token=pipeseal");
    hsm.config("pipeseal").forEach((k, v) -> kms.put("pipeseal.kms.provider." + k, v));
    kms.put("pipeseal.kms.audit.sink", "none");
    KeySources.createKeys(kms, "hsm-pii", "hsm-emb");
  }

  @AfterAll
  static void close() {
    KeySources.reset();
  }

  @Test
  void roundTripWithExternalKeyMaterial() throws Exception {
    Map<String, String> p = new HashMap<>(kms);
    p.put("parquet.crypto.factory.class", PipesealCryptoFactory.class.getName());
    p.put("pipeseal.parquet.columns.hsm-pii", "ssn,address.zip");
    p.put("pipeseal.parquet.columns.hsm-emb", "type:array<float>");
    p.put("pipeseal.parquet.footer.key", "hsm-pii");
    p.put("pipeseal.parquet.key-material", "external");
    Configuration conf = Rows.conf(p);
    Path t = Files.createDirectories(dir.resolve("hsm"));
    var f = new org.apache.hadoop.fs.Path(t.resolve("part-0.parquet").toUri());
    Rows.write(conf, f, 200);
    Rows.verify(Rows.read(conf, f, null), 200);
    String json = Files.readString(t.resolve("_KEY_MATERIAL_FOR_part-0.parquet.json"));
    Matcher m = Pattern.compile("wrappedKEK\\\\\":\\\\\"([A-Za-z0-9+/=]+)").matcher(json);
    assertThat(m.find()).isTrue();
    String first = m.group(1);
    WrappedKeyString w = WrappedKeyString.decode(first, "hsm-pii");
    assertThat(w.wrapped().provider()).isEqualTo("pkcs11");
    assertThat(w.wrapped().masterKeyVersion()).isEqualTo("1");
  }
}
