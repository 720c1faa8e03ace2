package dev.pipeseal.kms.bridge;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.cache.CacheConfig;
import dev.pipeseal.kms.hierarchy.KekConfig;
import dev.pipeseal.kms.resilience.ResilienceConfig;
import dev.pipeseal.kms.routing.ReaderProvider;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Everything a connector configures about key management, parsed in one place ({@link
 * #fromProperties(Map)}) from properties under {@value #PREFIX}. Property names, defaults and
 * meanings are listed in {@code docs/kms-bridge-config.md}; unknown properties under the prefix are
 * rejected so that a typo never silently falls back to a default.
 *
 * @param uri provider URI, e.g. {@code local:///etc/pipeseal/keys.p12}
 * @param providerConfig provider settings, passed through without the {@code provider.} prefix
 * @param kekEnabled whether DEKs are wrapped under KEKs ({@link KekConfig}) rather than by the KMS
 * @param kek KEK limits, used when {@code kekEnabled}
 * @param cacheEnabled whether unwrapped DEKs are cached
 * @param cache cache bounds, used when {@code cacheEnabled}
 * @param resilience timeouts and retries of provider calls
 * @param auditSink where audit events go
 * @param auditFile the audit file when {@code auditSink} is {@link AuditSinkKind#FILE}, else null
 * @param auditPrincipal who audit events name; null means the OS user
 * @param auditContext context recorded when the calling thread set none; may be null
 * @param readers further providers opened for reading ({@code providers.NAME.uri}): wrapped keys
 *     they recorded unwrap and rewrap through them; new keys always come from {@code uri}
 */
public record KmsBridgeConfig(
    URI uri,
    Map<String, String> providerConfig,
    boolean kekEnabled,
    KekConfig kek,
    boolean cacheEnabled,
    CacheConfig cache,
    ResilienceConfig resilience,
    AuditSinkKind auditSink,
    Path auditFile,
    String auditPrincipal,
    String auditContext,
    List<ReaderProvider> readers) {

  /** Default property prefix. */
  public static final String PREFIX = "pipeseal.kms.";

  private static final String PROVIDER_PREFIX = "provider.";
  private static final String READERS_PREFIX = "providers.";
  private static final String SOURCE = "config";

  /** Audit destinations. */
  public enum AuditSinkKind {
    /** Logger {@code pipeseal.audit}. */
    SLF4J,
    /** Append-only JSON lines file. */
    FILE,
    /** No audit trail. */
    NONE
  }

  private static final Set<String> KNOWN =
      Set.of(
          "uri",
          "kek.enabled",
          "kek.max-deks",
          "kek.lifetime",
          "kek.cache.max-entries",
          "cache.enabled",
          "cache.max-entries",
          "cache.ttl",
          "cache.describe-ttl",
          "timeout",
          "retries",
          "retry.initial-backoff",
          "retry.max-backoff",
          "audit.sink",
          "audit.file",
          "audit.principal",
          "audit.context");

  public KmsBridgeConfig {
    Objects.requireNonNull(uri, "uri");
    providerConfig = Map.copyOf(providerConfig);
    Objects.requireNonNull(kek, "kek");
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(resilience, "resilience");
    Objects.requireNonNull(auditSink, "auditSink");
    readers = List.copyOf(readers);
    if (auditSink == AuditSinkKind.FILE && auditFile == null) {
      throw new KmsConfigException(
          SOURCE, null, "'" + PREFIX + "audit.file' is required when audit.sink is 'file'");
    }
  }

  /** Defaults for everything but the provider. */
  public static KmsBridgeConfig defaults(URI uri, Map<String, String> providerConfig) {
    return new KmsBridgeConfig(
        uri,
        providerConfig,
        true,
        KekConfig.DEFAULTS,
        true,
        CacheConfig.DEFAULTS,
        ResilienceConfig.DEFAULTS,
        AuditSinkKind.SLF4J,
        null,
        null,
        null,
        List.of());
  }

  /** As {@link #fromProperties(Map, String)} with prefix {@value #PREFIX}. */
  public static KmsBridgeConfig fromProperties(Map<String, String> properties) {
    return fromProperties(properties, PREFIX);
  }

  /** As {@link #fromProperties(Map)} from {@link Properties}. */
  public static KmsBridgeConfig fromProperties(Properties properties) {
    Map<String, String> map = new TreeMap<>();
    for (String name : properties.stringPropertyNames()) {
      map.put(name, properties.getProperty(name));
    }
    return fromProperties(map);
  }

  /**
   * The one parser of bridge settings. Properties outside {@code prefix} are ignored, so a whole
   * Spark or Kafka configuration can be passed in.
   *
   * @param prefix e.g. {@code spark.pipeseal.kms.} where a host requires its own namespace
   * @throws KmsConfigException naming the property on a missing, unknown or invalid value
   */
  public static KmsBridgeConfig fromProperties(Map<String, String> properties, String prefix) {
    Map<String, String> own = new TreeMap<>();
    Map<String, String> provider = new TreeMap<>();
    Set<String> unknown = new TreeSet<>();
    Map<String, Map<String, String>> readerSettings = new TreeMap<>();
    properties.forEach(
        (name, value) -> {
          if (!name.startsWith(prefix)) {
            return;
          }
          String key = name.substring(prefix.length());
          if (key.startsWith(PROVIDER_PREFIX)) {
            provider.put(key.substring(PROVIDER_PREFIX.length()), value);
          } else if (key.startsWith(READERS_PREFIX)
              && key.indexOf('.', READERS_PREFIX.length()) > 0) {
            String rest = key.substring(READERS_PREFIX.length());
            int dot = rest.indexOf('.');
            readerSettings
                .computeIfAbsent(rest.substring(0, dot), n -> new TreeMap<>())
                .put(rest.substring(dot + 1), value);
          } else if (KNOWN.contains(key)) {
            own.put(key, value.trim());
          } else {
            unknown.add(name);
          }
        });
    if (!unknown.isEmpty()) {
      throw new KmsConfigException(
          SOURCE, null, "unknown properties " + unknown + " (see docs/kms-bridge-config.md)");
    }
    Parser p = new Parser(own, prefix);
    String uriText = p.string("uri", null);
    if (uriText == null || uriText.isEmpty()) {
      throw new KmsConfigException(SOURCE, null, "'" + prefix + "uri' is required");
    }
    URI uri = p.value("uri", null, URI::create);
    KekConfig kekDefaults = KekConfig.DEFAULTS;
    CacheConfig cacheDefaults = CacheConfig.DEFAULTS;
    ResilienceConfig retryDefaults = ResilienceConfig.DEFAULTS;
    KekConfig kek =
        p.build(
            "kek.*",
            () ->
                new KekConfig(
                    p.number("kek.max-deks", kekDefaults.maxDeksPerKek()),
                    p.duration("kek.lifetime", kekDefaults.lifetime()),
                    p.integer("kek.cache.max-entries", kekDefaults.cacheMaxEntries())));
    CacheConfig cache =
        p.build(
            "cache.*",
            () ->
                new CacheConfig(
                    p.integer("cache.max-entries", cacheDefaults.maxEntries()),
                    p.duration("cache.ttl", cacheDefaults.ttl()),
                    p.duration("cache.describe-ttl", cacheDefaults.describeTtl())));
    ResilienceConfig resilience =
        p.build(
            "timeout/retries",
            () ->
                new ResilienceConfig(
                    p.duration("timeout", retryDefaults.timeout()),
                    p.integer("retries", retryDefaults.retries()),
                    p.duration("retry.initial-backoff", retryDefaults.initialBackoff()),
                    p.duration("retry.max-backoff", retryDefaults.maxBackoff())));
    AuditSinkKind sink =
        p.value(
            "audit.sink",
            AuditSinkKind.SLF4J,
            v -> AuditSinkKind.valueOf(v.toUpperCase(Locale.ROOT)));
    Path auditFile = p.value("audit.file", null, Path::of);
    return new KmsBridgeConfig(
        uri,
        provider,
        p.bool("kek.enabled", true),
        kek,
        p.bool("cache.enabled", true),
        cache,
        resilience,
        sink,
        sink == AuditSinkKind.FILE ? auditFile : null,
        p.string("audit.principal", null),
        p.string("audit.context", null),
        readers(readerSettings, prefix));
  }

  // providers.NAME.uri plus providers.NAME.SETTING, the same settings provider.* gives the writer.
  private static List<ReaderProvider> readers(
      Map<String, Map<String, String>> settings, String prefix) {
    List<ReaderProvider> out = new ArrayList<>();
    settings.forEach(
        (name, values) -> {
          String uri = values.get("uri");
          if (uri == null || uri.isBlank()) {
            throw new KmsConfigException(
                SOURCE, null, "'" + prefix + READERS_PREFIX + name + ".uri' is required");
          }
          Map<String, String> config = new TreeMap<>(values);
          config.remove("uri");
          try {
            out.add(new ReaderProvider(name, URI.create(uri.trim()), config));
          } catch (IllegalArgumentException e) {
            throw new KmsConfigException(
                SOURCE,
                null,
                "invalid value '" + uri + "' for '" + prefix + READERS_PREFIX + name + ".uri'");
          }
        });
    return out;
  }

  /** Never shows provider values: they may point at secrets. */
  @Override
  public String toString() {
    return "KmsBridgeConfig[uri="
        + uri
        + ", provider keys="
        + new TreeSet<>(providerConfig.keySet())
        + ", kek="
        + (kekEnabled ? kek : "off")
        + ", cache="
        + (cacheEnabled ? cache : "off")
        + ", "
        + resilience
        + ", audit="
        + auditSink
        + (auditFile == null ? "" : " " + auditFile)
        + (readers.isEmpty() ? "" : ", readers=" + readers)
        + "]";
  }

  /**
   * Parses durations ({@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 1d} or ISO-8601
   * {@code PT10S}), numbers and booleans, naming the property on error.
   */
  static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("p")) {
      return Duration.parse(t.toUpperCase(Locale.ROOT));
    }
    int split = 0;
    while (split < t.length() && Character.isDigit(t.charAt(split))) {
      split++;
    }
    if (split == 0) {
      throw new IllegalArgumentException("not a duration");
    }
    long n = Long.parseLong(t.substring(0, split));
    return switch (t.substring(split).trim()) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> throw new IllegalArgumentException("unit must be ms, s, m, h or d");
    };
  }

  private record Parser(Map<String, String> values, String prefix) {
    String string(String key, String fallback) {
      String v = values.get(key);
      return v == null || v.isEmpty() ? fallback : v;
    }

    <T> T value(String key, T fallback, Function<String, T> parse) {
      String v = values.get(key);
      if (v == null || v.isEmpty()) {
        return fallback;
      }
      try {
        return parse.apply(v);
      } catch (RuntimeException e) {
        throw invalid(key, v, e);
      }
    }

    long number(String key, long fallback) {
      return value(key, fallback, Long::parseLong);
    }

    int integer(String key, int fallback) {
      return value(key, fallback, Integer::parseInt);
    }

    Duration duration(String key, Duration fallback) {
      return value(key, fallback, KmsBridgeConfig::parseDuration);
    }

    boolean bool(String key, boolean fallback) {
      return value(
          key,
          fallback,
          v -> {
            if (v.equalsIgnoreCase("true")) {
              return true;
            }
            if (v.equalsIgnoreCase("false")) {
              return false;
            }
            throw new IllegalArgumentException("must be true or false");
          });
    }

    <T> T build(String group, Supplier<T> make) {
      try {
        return make.get();
      } catch (KmsConfigException e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw new KmsConfigException(
            SOURCE, null, "invalid " + prefix + group + " settings: " + e.getMessage());
      }
    }

    KmsConfigException invalid(String key, String value, RuntimeException e) {
      String why =
          e instanceof DateTimeParseException || e instanceof InvalidPathException
              ? e.getClass().getSimpleName()
              : e.getMessage();
      return new KmsConfigException(
          SOURCE, null, "invalid value '" + value + "' for '" + prefix + key + "': " + why);
    }
  }
}
