package dev.pipeseal.parquet.kms;

import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.keytools.KmsClient;

/**
 * The KMS bridge settings in a Hadoop configuration. Inside Spark the configuration Parquet sees
 * holds the session's SQL settings too, so the {@code spark.pipeseal.kms.*} the SQL functions use
 * and any {@code pipeseal.kms.*} (from {@code spark.hadoop.pipeseal.kms.*}) are read alike and
 * normalized by {@link SharedKmsBridges#normalize}: configured once, they name the same shared
 * bridge as the SQL functions.
 */
public final class HadoopBridgeSettings {
  private static final String[] PREFIXES = {
    KmsBridgeConfig.PREFIX,
    "spark." + KmsBridgeConfig.PREFIX,
    "spark.hadoop." + KmsBridgeConfig.PREFIX
  };

  private HadoopBridgeSettings() {}

  /**
   * The bridge settings of {@code conf}, under {@code pipeseal.kms.*}. When no URI is set, a
   * Parquet KMS instance URL other than {@code DEFAULT} is taken as the provider URI.
   *
   * @throws dev.pipeseal.kms.KmsConfigException if one setting is given twice with two values
   */
  public static Map<String, String> bridgeProperties(Configuration conf, String kmsInstanceUrl) {
    Map<String, String> raw = new TreeMap<>();
    for (String prefix : PREFIXES) {
      conf.getPropsWithPrefix(prefix).forEach((k, v) -> raw.put(prefix + k, v));
    }
    Map<String, String> props = new TreeMap<>(SharedKmsBridges.normalize(raw));
    String uriKey = KmsBridgeConfig.PREFIX + "uri";
    if (!props.containsKey(uriKey)
        && kmsInstanceUrl != null
        && !kmsInstanceUrl.isBlank()
        && !KmsClient.KMS_INSTANCE_URL_DEFAULT.equals(kmsInstanceUrl)) {
      props.put(uriKey, kmsInstanceUrl.trim());
    }
    return Map.copyOf(props);
  }
}
