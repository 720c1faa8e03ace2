package dev.pipeseal.fuzz;

import static dev.pipeseal.fuzz.Property.parsesOrThrows;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.kms.settings.Settings;
import dev.pipeseal.kms.settings.SettingsException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Settings values: a properties text (as in a Spark conf, a Kafka client file or a job's properties
 * file) parsed by the KMS bridge settings ({@code pipeseal.kms.*}) and the Kafka serde settings
 * ({@code pipeseal.*}). Secret references ({@code file:}, {@code env:}) are left out so a fuzzer
 * does not read arbitrary files; everything else is as users write it.
 */
class SettingsFuzzTest {
  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void properties(byte[] data) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(new String(data, StandardCharsets.UTF_8)));
    } catch (IOException | IllegalArgumentException e) {
      return; // the JDK's properties syntax, not ours
    }
    Map<String, String> map = new HashMap<>();
    p.stringPropertyNames().forEach(k -> map.put(k, p.getProperty(k)));
    if (map.values().stream().anyMatch(v -> v.contains("file:") || v.contains("env:"))) {
      return;
    }
    parsesOrThrows(() -> KmsBridgeConfig.fromProperties(map), KmsConfigException.class);
    parsesOrThrows(() -> SerdeConfig.fromProperties(map, false), ConfigException.class);
    parsesOrThrows(() -> SerdeConfig.fromProperties(map, true), ConfigException.class);
  }

  /**
   * One value for every declared property of the KMS bridge and the Kafka serde through the
   * settings toolkit: the first byte picks the property, the rest is the value as written.
   */
  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void values(byte[] data) {
    if (data.length == 0) {
      return;
    }
    List<dev.pipeseal.kms.settings.Property<?>> all = new ArrayList<>();
    all.addAll(KmsBridgeConfig.PROPERTIES.properties());
    all.addAll(SerdeConfig.PROPERTIES.properties());
    dev.pipeseal.kms.settings.Property<?> p = all.get((data[0] & 0xff) % all.size());
    String text = new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
    parsesOrThrows(() -> Settings.of(Map.of(p.name(), text)).get(p), SettingsException.class);
  }

  @Test
  @EnabledIfSystemProperty(named = Seeds.PROPERTY, matches = ".+")
  void writeSeeds() {
    Seeds.of(SettingsFuzzTest.class, "properties")
        .add(
            "bridge",
            "pipeseal.kms.uri=local:///tmp/keys.p12\n"
                + "pipeseal.kms.cache.ttl=10m\n"
                + "pipeseal.kms.cache.max-entries=1000\n"
                + "pipeseal.kms.kek.max-deks=100000\n"
                + "pipeseal.kms.kek.max-age=PT1H\n"
                + "pipeseal.kms.retry.attempts=3\n"
                + "pipeseal.kms.audit.sink=none\n")
        .add(
            "serde",
            "pipeseal.kms.uri=local:///tmp/k.p12\npipeseal.mode=json-fields\n"
                + "pipeseal.fields=/ssn\npipeseal.dek.max-values=1_000_000\n"
                + "pipeseal.dek.max-age=1h\npipeseal.dek.prefetch-at=0.9\n"
                + "pipeseal.plaintext=accept\npipeseal.context=orders\n")
        .add(
            "duration-overflow", "pipeseal.kms.uri=x:y\npipeseal.kms.cache.ttl=9999999999999999d\n")
        .add("bad-uri", "pipeseal.kms.uri=::: \\u0000\n")
        .add(
            "number-overflow",
            "pipeseal.kms.uri=a:b\npipeseal.kms.kek.max-deks=99999999999999999999\n")
        .add(
            "nan",
            "pipeseal.kms.uri=a:b\npipeseal.dek.prefetch-at=NaN\npipeseal.dek.max-wait=-1s\n");
    Seeds values = Seeds.of(SettingsFuzzTest.class, "values");
    String[] texts = {
      "10m",
      "PT1H30M",
      "500ms",
      "16MiB",
      "64k",
      "10MB",
      "true",
      "42",
      "-1",
      "a,b,,c",
      "99999999999999999999d",
      "9223372036854775807ms",
      "PT9999999999999H",
      "1e3",
      "local:///x",
      "::",
      "env:HOME",
      ""
    };
    int i = 0;
    for (String t : texts) {
      for (int k = 0; k < 4; k++) {
        byte[] v = t.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[v.length + 1];
        b[0] = (byte) (i * 7 + k * 5);
        System.arraycopy(v, 0, b, 1, v.length);
        values.add("v" + i + "-" + k, b);
      }
      i++;
    }
  }
}
