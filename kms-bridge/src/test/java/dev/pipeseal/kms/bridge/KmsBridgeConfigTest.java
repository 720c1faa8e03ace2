package dev.pipeseal.kms.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.bridge.KmsBridgeConfig.AuditSinkKind;
import dev.pipeseal.kms.cache.CacheConfig;
import dev.pipeseal.kms.hierarchy.KekConfig;
import dev.pipeseal.kms.resilience.ResilienceConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KmsBridgeConfigTest {
  private static Map<String, String> props(String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("pipeseal.kms.uri", "local:///keys.p12");
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void defaults() {
    KmsBridgeConfig c = KmsBridgeConfig.fromProperties(props("spark.executor.memory", "4g"));
    assertThat(c).isEqualTo(KmsBridgeConfig.defaults(URI.create("local:///keys.p12"), Map.of()));
    assertThat(c.kekEnabled()).isTrue();
    assertThat(c.kek()).isEqualTo(KekConfig.DEFAULTS);
    assertThat(c.cacheEnabled()).isTrue();
    assertThat(c.cache()).isEqualTo(CacheConfig.DEFAULTS);
    assertThat(c.resilience()).isEqualTo(ResilienceConfig.DEFAULTS);
    assertThat(c.auditSink()).isEqualTo(AuditSinkKind.SLF4J);
    assertThat(c.auditFile()).isNull();
    assertThat(c.auditPrincipal()).isNull();
  }

  @Test
  void everyProperty() {
    KmsBridgeConfig c =
        KmsBridgeConfig.fromProperties(
            props(
                "pipeseal.kms.provider.password", "env:KS_PASS",
                "pipeseal.kms.provider.create", "true",
                "pipeseal.kms.kek.enabled", "false",
                "pipeseal.kms.kek.max-deks", "1000",
                "pipeseal.kms.kek.lifetime", "PT5M",
                "pipeseal.kms.kek.cache.max-entries", "7",
                "pipeseal.kms.cache.enabled", "FALSE",
                "pipeseal.kms.cache.max-entries", "50",
                "pipeseal.kms.cache.ttl", "90s",
                "pipeseal.kms.cache.describe-ttl", "0s",
                "pipeseal.kms.timeout", "1500ms",
                "pipeseal.kms.retries", "0",
                "pipeseal.kms.retry.initial-backoff", "10ms",
                "pipeseal.kms.retry.max-backoff", "1m",
                "pipeseal.kms.audit.sink", "file",
                "pipeseal.kms.audit.file", "/var/log/pipeseal/audit.jsonl",
                "pipeseal.kms.audit.principal", "svc-etl",
                "pipeseal.kms.audit.context", "job:nightly"));
    assertThat(c.providerConfig())
        .containsOnly(Map.entry("password", "env:KS_PASS"), Map.entry("create", "true"));
    assertThat(c.kekEnabled()).isFalse();
    assertThat(c.kek()).isEqualTo(new KekConfig(1000, Duration.ofMinutes(5), 7));
    assertThat(c.cacheEnabled()).isFalse();
    assertThat(c.cache()).isEqualTo(new CacheConfig(50, Duration.ofSeconds(90), Duration.ZERO));
    assertThat(c.resilience())
        .isEqualTo(
            new ResilienceConfig(
                Duration.ofMillis(1500), 0, Duration.ofMillis(10), Duration.ofMinutes(1)));
    assertThat(c.auditSink()).isEqualTo(AuditSinkKind.FILE);
    assertThat(c.auditFile()).isEqualTo(Path.of("/var/log/pipeseal/audit.jsonl"));
    assertThat(c.auditPrincipal()).isEqualTo("svc-etl");
    assertThat(c.auditContext()).isEqualTo("job:nightly");
    assertThat(c.toString()).doesNotContain("KS_PASS").contains("password");
  }

  @Test
  void fromJavaPropertiesAndCustomPrefix() {
    Properties p = new Properties();
    p.setProperty("pipeseal.kms.uri", "local:keys.p12");
    p.setProperty("pipeseal.kms.retries", "5");
    assertThat(KmsBridgeConfig.fromProperties(p).resilience().retries()).isEqualTo(5);
    KmsBridgeConfig spark =
        KmsBridgeConfig.fromProperties(
            Map.of("spark.pipeseal.kms.uri", "local:keys.p12", "pipeseal.kms.retries", "bogus"),
            "spark.pipeseal.kms.");
    assertThat(spark.uri()).isEqualTo(URI.create("local:keys.p12"));
  }

  @Test
  void validationErrorsNameTheProperty() {
    assertThatThrownBy(() -> KmsBridgeConfig.fromProperties(Map.of()))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("pipeseal.kms.uri");
    assertThatThrownBy(() -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.cache.tll", "5m")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("pipeseal.kms.cache.tll");
    assertThatThrownBy(() -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.timeout", "soon")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("pipeseal.kms.timeout");
    assertThatThrownBy(() -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.timeout", "5w")))
        .isInstanceOf(KmsConfigException.class);
    assertThatThrownBy(() -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.timeout", "0s")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.retries", "-1")))
        .isInstanceOf(KmsConfigException.class);
    assertThatThrownBy(
            () -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.cache.max-entries", "0")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("cache");
    assertThatThrownBy(
            () ->
                KmsBridgeConfig.fromProperties(
                    props("pipeseal.kms.cache.max-entries", "99999999999")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("pipeseal.kms.cache.max-entries");
    assertThatThrownBy(
            () -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.kek.max-deks", "4294967296")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("kek");
    assertThatThrownBy(
            () -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.kek.enabled", "yes")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("pipeseal.kms.kek.enabled");
    assertThatThrownBy(
            () -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.audit.sink", "kafka")))
        .isInstanceOf(KmsConfigException.class);
    assertThatThrownBy(
            () -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.audit.sink", "file")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("audit.file");
    assertThatThrownBy(() -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.uri", "::bad")))
        .isInstanceOf(KmsConfigException.class);
  }

  @Test
  void unknownPropertyNamesTheNearestValidOne() {
    assertThatThrownBy(
            () -> KmsBridgeConfig.fromProperties(props("pipeseal.kms.cache.max-entrys", "5")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("nearest valid name: 'pipeseal.kms.cache.max-entries'");
  }
}
