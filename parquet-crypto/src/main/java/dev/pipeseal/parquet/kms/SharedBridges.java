package dev.pipeseal.parquet.kms;

import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.keytools.KmsClient;

/**
 * One open {@link KmsBridge} per JVM per bridge configuration. Parquet creates {@code KmsClient}s
 * per access token, instance and cache period, and Spark per task; opening a bridge each time would
 * lose its DEK and KEK caches and reconnect to the KMS. Bridges stay open for the life of the JVM.
 */
public final class SharedBridges {
  private static final Map<Map<String, String>, KmsBridge> OPEN = new ConcurrentHashMap<>();

  private SharedBridges() {}

  /**
   * The {@code pipeseal.kms.*} entries of {@code conf}. When {@code pipeseal.kms.uri} is absent, a
   * Parquet KMS instance URL other than {@code DEFAULT} is taken as the provider URI.
   */
  public static Map<String, String> bridgeProperties(Configuration conf, String kmsInstanceUrl) {
    Map<String, String> props = new TreeMap<>();
    conf.getPropsWithPrefix(KmsBridgeConfig.PREFIX)
        .forEach((k, v) -> props.put(KmsBridgeConfig.PREFIX + k, v));
    String uriKey = KmsBridgeConfig.PREFIX + "uri";
    if (!props.containsKey(uriKey)
        && kmsInstanceUrl != null
        && !kmsInstanceUrl.isBlank()
        && !KmsClient.KMS_INSTANCE_URL_DEFAULT.equals(kmsInstanceUrl)) {
      props.put(uriKey, kmsInstanceUrl.trim());
    }
    return Map.copyOf(props);
  }

  /** The shared bridge for these properties, opened on first use. */
  public static KmsBridge forProperties(Map<String, String> bridgeProperties) {
    return OPEN.computeIfAbsent(Map.copyOf(bridgeProperties), KmsBridge::open);
  }

  /** Closes every shared bridge (tests, and hosts that unload the plugin). */
  public static void closeAll() {
    List<KmsBridge> open = new ArrayList<>(OPEN.values());
    OPEN.clear();
    for (KmsBridge b : open) {
      b.close();
    }
  }
}
