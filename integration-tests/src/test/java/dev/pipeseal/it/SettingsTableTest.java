package dev.pipeseal.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.jobs.lake.ExplicitKeys;
import dev.pipeseal.jobs.lease.LakeLease;
import dev.pipeseal.jobs.lifecycle.RotationPolicy;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.SettingsTable;
import dev.pipeseal.parquet.policy.EncryptionPolicy;
import dev.pipeseal.registry.RegistryConfig;
import dev.pipeseal.registry.kafka.TopicStoreProvider;
import dev.pipeseal.spark.config.PipesealSparkConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/settings.md} is rendered from the property declarations; this fails when the file and
 * the code disagree. Run with {@code -Dpipeseal.settings.write=true} to rewrite the file.
 */
class SettingsTableTest {
  private static final Path TABLE =
      Path.of("").toAbsolutePath().getParent().resolve("docs").resolve("settings.md");

  static List<PropertySet> everySet() {
    List<PropertySet> sets = new ArrayList<>();
    sets.add(KmsBridgeConfig.PROPERTIES);
    List<PropertySet> providers = new ArrayList<>();
    for (KmsService service : ServiceLoader.load(KmsService.class)) {
      // Providers that do not declare their settings yet (properties() == null) are not listed.
      if (service.properties() != null) {
        providers.add(service.properties());
      }
    }
    providers.sort(Comparator.comparing(PropertySet::title));
    sets.addAll(providers);
    sets.add(RegistryConfig.PROPERTIES);
    sets.add(TopicStoreProvider.PROPERTIES);
    sets.add(SerdeConfig.PROPERTIES);
    sets.add(PipesealSparkConfig.PROPERTIES);
    sets.add(EncryptionPolicy.PROPERTIES);
    sets.add(ExplicitKeys.PROPERTIES);
    sets.add(LakeLease.PROPERTIES);
    sets.add(RotationPolicy.PROPERTIES);
    return sets;
  }

  @Test
  void everyProviderIsListed() {
    assertThat(everySet())
        .extracting(PropertySet::title)
        .contains("local provider", "Hadoop KMS provider", "PKCS#11 provider", "hybrid provider");
  }

  @Test
  void docsSettingsMdMatchesTheCode() throws Exception {
    String rendered = SettingsTable.markdown(everySet());
    if (Boolean.getBoolean("pipeseal.settings.write")) {
      Files.writeString(TABLE, rendered, StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(TABLE, StandardCharsets.UTF_8))
        .as("docs/settings.md is stale: rerun this test with -Dpipeseal.settings.write=true")
        .isEqualTo(rendered);
  }
}
