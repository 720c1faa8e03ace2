package dev.pipeseal.parquet.testing;

import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.parquet.crypto.keytools.KeyToolkit;

/** Bridge settings for the local key store, and key creation through the shared bridge. */
public final class KeySources {
  private KeySources() {}

  /** A new local PKCS#12 key store in {@code dir}, created on first use. */
  public static Map<String, String> localStore(Path dir) {
    try {
      Path pass = dir.resolve("store.pass");
      Files.writeString(pass, "test store password\n");
      Map<String, String> props = new LinkedHashMap<>();
      props.put("pipeseal.kms.uri", "local://" + dir.resolve("keys.p12"));
      props.put("pipeseal.kms.provider.password", "file:" + pass);
      props.put("pipeseal.kms.provider.create", "true");
      props.put("pipeseal.kms.audit.sink", "none");
      return props;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Creates master keys through the shared bridge for {@code props}. */
  public static void createKeys(Map<String, String> props, String... names) {
    KmsAdmin admin = SharedKmsBridges.pinned(props).bridge().admin().orElseThrow();
    for (String n : names) {
      admin.createKey(n);
    }
  }

  /** Forgets Parquet's cached KMS clients and KEKs, and closes the shared bridges. */
  public static void reset() {
    KeyToolkit.removeCacheEntriesForAllTokens();
    SharedKmsBridges.closeAll();
  }
}
