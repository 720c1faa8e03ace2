package dev.pipeseal.kms.bridge;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.cache.CacheConfig;
import dev.pipeseal.kms.hierarchy.KekConfig;
import dev.pipeseal.kms.resilience.ResilienceConfig;
import dev.pipeseal.kms.routing.ReaderProvider;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a connector configures about key management, parsed in one place ({@link
 * #fromProperties(Map)}) from properties under {@value #PREFIX}, declared in {@link #PROPERTIES}
 * (rendered into {@code docs/settings.md}); unknown properties under the prefix are rejected with
 * the nearest valid name, so that a typo never silently falls back to a default.
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
  private static final Logger LOG = LoggerFactory.getLogger(KmsBridgeConfig.class);

  /** Audit destinations. */
  public enum AuditSinkKind {
    /** Logger {@code pipeseal.audit}. */
    SLF4J,
    /** Append-only JSON lines file. */
    FILE,
    /** No audit trail. */
    NONE
  }

  public static final Property<URI> URI_PROPERTY =
      Property.uri("uri", null, "Provider URI, e.g. local:///etc/pipeseal/keys.p12. Required.");
  public static final Property<Boolean> KEK_ENABLED =
      Property.bool("kek.enabled", true, "Wrap DEKs under cached KEKs instead of by the KMS.");
  public static final Property<Long> KEK_MAX_DEKS =
      Property.longInteger(
          "kek.max-deks",
          KekConfig.DEFAULTS.maxDeksPerKek(),
          1,
          KekConfig.MAX_DEKS_LIMIT,
          "DEKs wrapped under one KEK before a new KEK is made.");
  public static final Property<Duration> KEK_LIFETIME =
      Property.duration(
          "kek.lifetime",
          KekConfig.DEFAULTS.lifetime(),
          ChronoUnit.SECONDS,
          "How long one KEK wraps new DEKs and an unwrapped KEK is cached.");
  public static final Property<Integer> KEK_CACHE_MAX_ENTRIES =
      Property.integer(
          "kek.cache.max-entries",
          KekConfig.DEFAULTS.cacheMaxEntries(),
          1,
          Integer.MAX_VALUE,
          "Unwrapped KEKs held at once.");
  public static final Property<Boolean> CACHE_ENABLED =
      Property.bool("cache.enabled", true, "Cache unwrapped DEKs.");
  public static final Property<Integer> CACHE_MAX_ENTRIES =
      Property.integer(
          "cache.max-entries",
          CacheConfig.DEFAULTS.maxEntries(),
          1,
          10_000_000,
          "Most unwrapped DEKs held at once; the least recently used is destroyed first.");
  public static final Property<Duration> CACHE_TTL =
      Property.duration(
          "cache.ttl",
          CacheConfig.DEFAULTS.ttl(),
          ChronoUnit.SECONDS,
          "How long an unwrapped DEK stays in memory, used or not.");
  public static final Property<Duration> CACHE_DESCRIBE_TTL =
      Property.duration(
          "cache.describe-ttl",
          CacheConfig.DEFAULTS.describeTtl(),
          ChronoUnit.SECONDS,
          "How long a master key description is reused (0 disables); bounds how late a"
              + " rotation is seen.");
  public static final Property<Duration> TIMEOUT =
      Property.duration(
              "timeout",
              ResilienceConfig.DEFAULTS.timeout(),
              ChronoUnit.SECONDS,
              "Limit of one provider call attempt.")
          .withCheck(d -> !d.isZero(), "must be positive");
  public static final Property<Integer> RETRIES =
      Property.integer(
          "retries",
          ResilienceConfig.DEFAULTS.retries(),
          0,
          20,
          "Attempts after the first, for transient failures only.");
  public static final Property<Duration> RETRY_INITIAL_BACKOFF =
      Property.duration(
          "retry.initial-backoff",
          ResilienceConfig.DEFAULTS.initialBackoff(),
          ChronoUnit.MILLIS,
          "Cap of the first retry delay; doubles per retry, full jitter below it.");
  public static final Property<Duration> RETRY_MAX_BACKOFF =
      Property.duration(
          "retry.max-backoff",
          ResilienceConfig.DEFAULTS.maxBackoff(),
          ChronoUnit.MILLIS,
          "Cap of any retry delay.");
  public static final Property<AuditSinkKind> AUDIT_SINK =
      Property.choice(
          "audit.sink",
          AuditSinkKind.class,
          AuditSinkKind.SLF4J,
          "Where audit events go: slf4j (logger pipeseal.audit), file, or none.");
  public static final Property<Path> AUDIT_FILE =
      Property.of(
          "audit.file",
          "path",
          null,
          Path::of,
          "Append-only JSON lines audit file; required when audit.sink is file.");
  public static final Property<String> AUDIT_PRINCIPAL =
      Property.string("audit.principal", null, "Who audit events name.")
          .withDefaultText("the OS user");
  public static final Property<String> AUDIT_CONTEXT =
      Property.string("audit.context", null, "Context recorded when the calling thread set none.");

  /** Every bridge property, relative to {@value #PREFIX}. */
  public static final PropertySet PROPERTIES =
      PropertySet.of(
              "KMS bridge",
              PREFIX,
              URI_PROPERTY,
              KEK_ENABLED,
              KEK_MAX_DEKS,
              KEK_LIFETIME,
              KEK_CACHE_MAX_ENTRIES,
              CACHE_ENABLED,
              CACHE_MAX_ENTRIES,
              CACHE_TTL,
              CACHE_DESCRIBE_TTL,
              TIMEOUT,
              RETRIES,
              RETRY_INITIAL_BACKOFF,
              RETRY_MAX_BACKOFF,
              AUDIT_SINK,
              AUDIT_FILE,
              AUDIT_PRINCIPAL,
              AUDIT_CONTEXT)
          .withPassThrough(
              PROVIDER_PREFIX, "settings of the provider named by uri (see its own table)")
          .withPassThrough(
              READERS_PREFIX,
              "providers.NAME.uri and providers.NAME.SETTING: further providers opened to read"
                  + " keys they wrapped (docs/kms-bridge-config.md)");

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
    Settings p =
        Settings.of(properties)
            .withSource(SOURCE)
            .withWarnings(LOG::warn)
            .scoped(prefix)
            .validate(PROPERTIES);
    URI uri = p.require(URI_PROPERTY);
    KekConfig kek =
        build(
            prefix,
            "kek.*",
            () ->
                new KekConfig(
                    p.get(KEK_MAX_DEKS), p.get(KEK_LIFETIME), p.get(KEK_CACHE_MAX_ENTRIES)));
    CacheConfig cache =
        build(
            prefix,
            "cache.*",
            () ->
                new CacheConfig(
                    p.get(CACHE_MAX_ENTRIES), p.get(CACHE_TTL), p.get(CACHE_DESCRIBE_TTL)));
    ResilienceConfig resilience =
        build(
            prefix,
            "timeout/retries",
            () ->
                new ResilienceConfig(
                    p.get(TIMEOUT),
                    p.get(RETRIES),
                    p.get(RETRY_INITIAL_BACKOFF),
                    p.get(RETRY_MAX_BACKOFF)));
    AuditSinkKind sink = p.get(AUDIT_SINK);
    if (sink == AuditSinkKind.FILE && !p.isSet(AUDIT_FILE)) {
      throw p.invalid(AUDIT_FILE, "is required when audit.sink is 'file'");
    }
    Path auditFile = p.get(AUDIT_FILE);
    return new KmsBridgeConfig(
        uri,
        p.passThrough(PROVIDER_PREFIX),
        p.get(KEK_ENABLED),
        kek,
        p.get(CACHE_ENABLED),
        cache,
        resilience,
        sink,
        sink == AuditSinkKind.FILE ? auditFile : null,
        p.get(AUDIT_PRINCIPAL),
        p.get(AUDIT_CONTEXT),
        readers(p.passThrough(READERS_PREFIX), prefix));
  }

  /** Rules across several settings live in the config records; name the group on failure. */
  private static <T> T build(String prefix, String group, Supplier<T> make) {
    try {
      return make.get();
    } catch (KmsConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new KmsConfigException(
          SOURCE, null, "invalid " + prefix + group + " settings: " + e.getMessage());
    }
  }

  // providers.NAME.uri plus providers.NAME.SETTING, the same settings provider.* gives the writer.
  private static List<ReaderProvider> readers(Map<String, String> flat, String prefix) {
    Map<String, Map<String, String>> settings = new TreeMap<>();
    flat.forEach(
        (key, value) -> {
          int dot = key.indexOf('.');
          if (dot <= 0) {
            throw new KmsConfigException(
                SOURCE,
                null,
                "'" + prefix + READERS_PREFIX + key + "' is not providers.NAME.SETTING");
          }
          settings
              .computeIfAbsent(key.substring(0, dot), n -> new TreeMap<>())
              .put(key.substring(dot + 1), value);
        });
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
}
