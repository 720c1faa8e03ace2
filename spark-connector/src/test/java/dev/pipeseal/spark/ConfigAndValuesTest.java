package dev.pipeseal.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.spark.config.PipesealConfigException;
import dev.pipeseal.spark.config.PipesealSparkConfig;
import dev.pipeseal.spark.config.PipesealSparkConfig.KeyReferenceMode;
import dev.pipeseal.spark.values.ValueType;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings parser and the type tags (no Spark session). */
class ConfigAndValuesTest {
  private static final Map<String, String> MINIMAL =
      Map.of(
          "spark.pipeseal.kms.uri", "local:/tmp/never-opened.p12",
          "spark.pipeseal.registry.location", "/tmp/registry",
          "spark.executor.memory", "1g");

  @Test
  void defaults() {
    PipesealSparkConfig c = PipesealSparkConfig.parse(MINIMAL);
    assertThat(c.keyReference()).isEqualTo(KeyReferenceMode.REGISTRY);
    assertThat(c.dekLifetime()).isEqualTo(Duration.ofHours(1));
    assertThat(c.readerMaxKeys()).isEqualTo(64);
    assertThat(c.registryCacheSize()).isEqualTo(10_000);
    assertThat(c.defaultMasterKey()).isNull();
    assertThat(c.properties()).doesNotContainKey("spark.executor.memory");
    assertThat(c.bridgeProperties())
        .containsEntry("pipeseal.kms.uri", "local:/tmp/never-opened.p12");
  }

  @Test
  void typosAndBadValuesNameTheProperty() {
    assertThatThrownBy(
            () -> PipesealSparkConfig.parse(with("spark.pipeseal.registry.locaton", "x")))
        .isInstanceOf(PipesealConfigException.class)
        .hasMessageContaining("spark.pipeseal.registry.locaton");
    assertThatThrownBy(() -> PipesealSparkConfig.parse(with("spark.pipeseal.dek.lifetime", "soon")))
        .hasMessageContaining("spark.pipeseal.dek.lifetime");
    assertThatThrownBy(() -> PipesealSparkConfig.parse(with("spark.pipeseal.kms.cache.ttl", "x")))
        .hasMessageContaining("spark.pipeseal.kms.cache.ttl");
    assertThatThrownBy(
            () -> PipesealSparkConfig.parse(Map.of("spark.pipeseal.kms.uri", "local:/tmp/k.p12")))
        .hasMessageContaining("spark.pipeseal.registry.location is required");
    assertThat(
            PipesealSparkConfig.parse(
                    Map.of(
                        "spark.pipeseal.kms.uri", "local:/tmp/k.p12",
                        "spark.pipeseal.key-reference", "inline"))
                .keyReference())
        .isEqualTo(KeyReferenceMode.INLINE);
  }

  @Test
  void registryCacheSizeOldSpellingIsADeprecatedAlias() {
    PipesealSparkConfig old =
        PipesealSparkConfig.parse(with("spark.pipeseal.registry.cacheSize", "7"));
    assertThat(old.registryCacheSize()).isEqualTo(7);
    assertThat(old.registryOptions()).containsEntry("registry.cache-size", "7");
    assertThat(
            PipesealSparkConfig.parse(with("spark.pipeseal.registry.cache-size", "8"))
                .registryCacheSize())
        .isEqualTo(8);
    assertThatThrownBy(
            () -> PipesealSparkConfig.parse(with("spark.pipeseal.registry.locaton", "x")))
        .hasMessageContaining("nearest valid name: 'spark.pipeseal.registry.location'");
  }

  @Test
  void tagsAreStable() {
    // Pinned forever: every value ever written carries one of these bytes.
    assertThat(ValueType.STRING.tag()).isEqualTo((byte) 0x11);
    assertThat(ValueType.INT.tag()).isEqualTo((byte) 0x16);
    assertThat(ValueType.DECIMAL.tag()).isEqualTo((byte) 0x1A);
    assertThat(ValueType.FLOAT_VECTOR.tag()).isEqualTo((byte) 0x1E);
    assertThat(ValueType.DOUBLE_VECTOR.tag()).isEqualTo((byte) 0x1F);
    for (ValueType t : ValueType.values()) {
      assertThat(ValueType.ofTag(t.tag())).isEqualTo(t);
    }
    assertThat(ValueType.ofTag((byte) 0x10)).isNull();
    assertThat(ValueType.ofTag((byte) 0x7B)).isNull(); // '{': a JSON payload is not a typed value
  }

  private static Map<String, String> with(String k, String v) {
    Map<String, String> m = new java.util.HashMap<>(MINIMAL);
    m.put(k, v);
    return m;
  }
}
