package dev.pipeseal.spark.keys;

import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.spark.config.PipesealSparkConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One KMS bridge and key registry per JVM and configuration, shared by every task (and by the
 * driver). The bridge's cache is what keeps unwraps to one per data key per JVM instead of one per
 * task, so these live as long as the JVM.
 */
public final class KeyServices {
  private static final Map<Map<String, String>, KeyServices> OPEN = new ConcurrentHashMap<>();

  private final PipesealSparkConfig config;
  private final KmsBridge bridge;
  private final KeyRegistry registry;
  private final EnvelopeKeys keys;

  private KeyServices(PipesealSparkConfig config) {
    this.config = config;
    this.bridge = KmsBridge.open(config.bridgeProperties());
    KeyRegistry r = null;
    try {
      if (config.registryLocation() != null) {
        r = KeyRegistries.open(config.registryLocation(), config.registryOptions());
      }
    } catch (RuntimeException e) {
      bridge.close();
      throw e;
    }
    this.registry = r;
    this.keys = r == null ? EnvelopeKeys.inline(bridge) : EnvelopeKeys.withRegistry(bridge, r);
  }

  /** The services for {@code config}, opened on first use in this JVM. */
  public static KeyServices of(PipesealSparkConfig config) {
    return OPEN.computeIfAbsent(config.properties(), p -> new KeyServices(config));
  }

  public PipesealSparkConfig config() {
    return config;
  }

  public KmsBridge bridge() {
    return bridge;
  }

  /** The registry, or null when none is configured. */
  public KeyRegistry registry() {
    return registry;
  }

  public EnvelopeKeys keys() {
    return keys;
  }

  /** Closes every bridge and registry of this JVM (tests; a later use reopens them). */
  public static void closeAll() {
    for (Map<String, String> k : OPEN.keySet()) {
      KeyServices s = OPEN.remove(k);
      if (s != null) {
        if (s.registry != null) {
          s.registry.close();
        }
        s.bridge.close();
      }
    }
  }
}
