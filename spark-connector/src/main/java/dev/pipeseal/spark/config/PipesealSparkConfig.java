package dev.pipeseal.spark.config;

import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import java.io.Serializable;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Every {@code spark.pipeseal.*} setting, parsed and validated here and nowhere else. Serializable
 * so expressions can carry it to executors; it holds names and secret <em>references</em> ({@code
 * env:}/{@code file:}), never key material.
 *
 * @param properties the raw {@code spark.pipeseal.*} entries (the identity of the executor-side key
 *     services: equal properties share one bridge and registry per JVM)
 * @param registryLocation key registry directory URI, or null
 * @param registryStore {@code auto}, {@code local} or {@code hadoop}
 * @param registryCacheSize registry records cached per JVM
 * @param defaultMasterKey master key used when a function names none, or null
 * @param keyReference how randomized ciphertexts reference their data key
 * @param dekLifetime how long the driver reuses one randomized data key per master key
 * @param readerMaxKeys distinct data keys one task keeps open while decrypting
 */
public record PipesealSparkConfig(
    Map<String, String> properties,
    String registryLocation,
    String registryStore,
    int registryCacheSize,
    String defaultMasterKey,
    KeyReferenceMode keyReference,
    Duration dekLifetime,
    int readerMaxKeys)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String PREFIX = "spark.pipeseal.";
  public static final String KMS_PREFIX = PREFIX + "kms.";
  public static final String REGISTRY_LOCATION = PREFIX + "registry.location";
  public static final String REGISTRY_STORE = PREFIX + "registry.store";
  public static final String REGISTRY_CACHE_SIZE = PREFIX + "registry.cache-size";
  public static final String DEFAULT_MASTER_KEY = PREFIX + "default-master-key";
  public static final String KEY_REFERENCE = PREFIX + "key-reference";
  public static final String DEK_LIFETIME = PREFIX + "dek.lifetime";
  public static final String READER_MAX_KEYS = PREFIX + "reader.max-keys";

  private static final Set<String> KNOWN =
      Set.of(
          REGISTRY_LOCATION,
          REGISTRY_STORE,
          REGISTRY_CACHE_SIZE,
          DEFAULT_MASTER_KEY,
          KEY_REFERENCE,
          DEK_LIFETIME,
          READER_MAX_KEYS);

  /** Where a randomized value's data key lives. */
  public enum KeyReferenceMode {
    /** An 8-byte registry id in each value (the Spark default; rotation rewraps the registry). */
    REGISTRY,
    /** The wrapped key inside each value (self-contained; about 100-200 bytes more per value). */
    INLINE
  }

  public PipesealSparkConfig {
    properties = Map.copyOf(properties);
    if (keyReference == KeyReferenceMode.REGISTRY && registryLocation == null) {
      throw new PipesealConfigException(
          REGISTRY_LOCATION
              + " is required when "
              + KEY_REFERENCE
              + "=registry (the default); set it or use "
              + KEY_REFERENCE
              + "=inline");
    }
  }

  /**
   * Parses the {@code spark.pipeseal.*} entries of {@code conf} (other entries are ignored).
   *
   * @throws PipesealConfigException naming the property on an unknown name or invalid value
   */
  public static PipesealSparkConfig parse(Map<String, String> conf) {
    Map<String, String> own = new TreeMap<>();
    conf.forEach(
        (k, v) -> {
          if (k.startsWith(PREFIX)) {
            own.put(k, v);
          }
        });
    for (String name : own.keySet()) {
      if (!name.startsWith(KMS_PREFIX) && !KNOWN.contains(name)) {
        throw new PipesealConfigException(
            "unknown property " + name + " (see docs/spark.md for the property table)");
      }
    }
    try {
      // Validates the bridge settings now, on the driver, rather than in the first task.
      KmsBridgeConfig.fromProperties(own, KMS_PREFIX);
    } catch (RuntimeException e) {
      throw new PipesealConfigException(e.getMessage(), e);
    }
    String location = blankToNull(own.get(REGISTRY_LOCATION));
    String store = own.getOrDefault(REGISTRY_STORE, "auto").trim().toLowerCase(Locale.ROOT);
    if (!Set.of("auto", "local", "hadoop").contains(store)) {
      throw new PipesealConfigException(
          REGISTRY_STORE + " must be auto, local or hadoop: '" + store + "'");
    }
    return new PipesealSparkConfig(
        own,
        location,
        store,
        integer(own, REGISTRY_CACHE_SIZE, 10_000, 0),
        blankToNull(own.get(DEFAULT_MASTER_KEY)),
        keyReferenceMode(own.getOrDefault(KEY_REFERENCE, "registry")),
        duration(own, DEK_LIFETIME, Duration.ofHours(1)),
        integer(own, READER_MAX_KEYS, 64, 1));
  }

  /** Settings for {@code KmsBridge.open(...)} under the bridge's own prefix. */
  public Map<String, String> bridgeProperties() {
    Map<String, String> out = new TreeMap<>();
    properties.forEach(
        (k, v) -> {
          if (k.startsWith(KMS_PREFIX)) {
            out.put(KmsBridgeConfig.PREFIX + k.substring(KMS_PREFIX.length()), v);
          }
        });
    return out;
  }

  /** Options for {@code KeyRegistries.open(location, options)}. */
  public Map<String, String> registryOptions() {
    return Map.of("registry.store", registryStore, "registry.cacheSize", "" + registryCacheSize);
  }

  private static KeyReferenceMode keyReferenceMode(String v) {
    try {
      return KeyReferenceMode.valueOf(v.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new PipesealConfigException(KEY_REFERENCE + " must be registry or inline: '" + v + "'");
    }
  }

  private static int integer(Map<String, String> own, String name, int dflt, int min) {
    String v = own.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new PipesealConfigException(name + " must be an integer >= " + min + ": '" + v + "'");
    }
  }

  private static Duration duration(Map<String, String> own, String name, Duration dflt) {
    String v = own.get(name);
    if (v == null) {
      return dflt;
    }
    String t = v.trim().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (t.startsWith("p")) {
        d = Duration.parse(t.toUpperCase(Locale.ROOT));
      } else if (t.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else {
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        d =
            switch (t.charAt(t.length() - 1)) {
              case 's' -> Duration.ofSeconds(n);
              case 'm' -> Duration.ofMinutes(n);
              case 'h' -> Duration.ofHours(n);
              case 'd' -> Duration.ofDays(n);
              default -> throw new NumberFormatException();
            };
      }
      if (d.isNegative() || d.isZero()) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new PipesealConfigException(
          name + " must be a positive duration such as 30m, 1h or PT1H: '" + v + "'");
    }
  }

  private static String blankToNull(String v) {
    return v == null || v.isBlank() ? null : v.trim();
  }

  /** Shows the non-bridge settings only: bridge values may point at secrets. */
  @Override
  public String toString() {
    return "PipesealSparkConfig[registry="
        + registryLocation
        + ", keyReference="
        + keyReference
        + ", defaultMasterKey="
        + defaultMasterKey
        + "]";
  }
}
