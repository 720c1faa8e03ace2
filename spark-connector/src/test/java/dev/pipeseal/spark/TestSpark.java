package dev.pipeseal.spark;

import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** A local[2] session with the extension, over a fresh local key store and registry. */
final class TestSpark {
  private TestSpark() {}

  /** Settings for a local key store in {@code dir} holding {@code keys}, created here. */
  static Map<String, String> localKeyStore(Path dir, String... keys) throws IOException {
    Path password = dir.resolve("password");
    Files.writeString(password, "test-password\n");
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.pipeseal.kms.uri", "local:" + dir.resolve("keys.p12"));
    conf.put("spark.pipeseal.kms.provider.password", "file:" + password);
    conf.put("spark.pipeseal.kms.provider.create", "true");
    conf.put("spark.pipeseal.kms.audit.sink", "none");
    conf.put("spark.pipeseal.registry.location", dir.resolve("registry").toString());
    Map<String, String> admin = new LinkedHashMap<>();
    conf.forEach(
        (k, v) -> {
          if (k.startsWith("spark.pipeseal.kms.")) {
            admin.put(k.substring("spark.".length()), v);
          }
        });
    try (KmsBridge bridge = KmsBridge.open(admin)) {
      for (String k : keys) {
        bridge.admin().orElseThrow().createKey(k);
      }
    }
    return conf;
  }

  static SparkSession start(Map<String, String> conf) {
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.extensions", PipesealExtensions.class.getName());
    conf.forEach(b::config);
    return b.getOrCreate();
  }

  static void stop(SparkSession spark) {
    if (spark != null) {
      spark.stop();
    }
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    SharedKmsBridges.closeAll();
  }
}
