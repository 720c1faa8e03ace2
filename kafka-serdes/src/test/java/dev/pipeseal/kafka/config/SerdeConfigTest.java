package dev.pipeseal.kafka.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Parsing of pipeseal.* client properties: defaults, per-side overrides, validation. */
class SerdeConfigTest {
  private static Map<String, Object> base() {
    Map<String, Object> p = new HashMap<>();
    p.put("pipeseal.kms.uri", "local:keys.p12");
    p.put("bootstrap.servers", "ignored:9092");
    return p;
  }

  @Test
  void defaultsDifferForKeyAndValue() {
    SerdeConfig value = SerdeConfig.fromProperties(base(), false);
    SerdeConfig key = SerdeConfig.fromProperties(base(), true);
    assertThat(value.deterministic()).isFalse();
    assertThat(key.deterministic()).isTrue();
    assertThat(value.mode()).isEqualTo(EncryptionMode.WHOLE);
    assertThat(value.plaintext()).isEqualTo(PlaintextPolicy.REJECT);
    assertThat(value.dekLimits().maxValues()).isEqualTo(1_000_000);
    assertThat(value.dekLimits().maxAge()).isEqualTo(Duration.ofHours(1));
    assertThat(value.kmsProperties()).containsOnlyKeys("pipeseal.kms.uri");
  }

  @Test
  void sideOverridesWinOverSharedNames() {
    Map<String, Object> p = base();
    p.put("pipeseal.master-key", "shared");
    p.put("pipeseal.value.master-key", "values");
    p.put("pipeseal.serializer", StringSerializer.class); // Kafka allows Class values
    p.put("pipeseal.value.dek.max-age", "5m");
    p.put("pipeseal.dek.max-values", 1000);
    SerdeConfig value = SerdeConfig.fromProperties(p, false);
    SerdeConfig key = SerdeConfig.fromProperties(p, true);
    assertThat(value.masterKey()).isEqualTo("values");
    assertThat(key.masterKey()).isEqualTo("shared");
    assertThat(value.innerSerializer()).isEqualTo(StringSerializer.class.getName());
    assertThat(value.dekLimits().maxAge()).isEqualTo(Duration.ofMinutes(5));
    assertThat(key.dekLimits().maxAge()).isEqualTo(Duration.ofHours(1));
    assertThat(key.dekLimits().maxValues()).isEqualTo(1000);
  }

  @Test
  void fieldsAreJsonPointers() {
    Map<String, Object> p = base();
    p.put("pipeseal.value.mode", "json-fields");
    p.put("pipeseal.value.fields", " /ssn , /address/street ");
    assertThat(SerdeConfig.fromProperties(p, false).fields())
        .isEqualTo(List.of("/ssn", "/address/street"));
    p.put("pipeseal.value.fields", "ssn");
    assertThatThrownBy(() -> SerdeConfig.fromProperties(p, false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeseal.value.fields");
  }

  @Test
  void rejectsTyposAndBadValuesNamingTheProperty() {
    Map<String, Object> p = base();
    p.put("pipeseal.value.master_key", "x");
    assertThatThrownBy(() -> SerdeConfig.fromProperties(p, false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeseal.value.master_key");
    for (String[] bad :
        new String[][] {
          {"pipeseal.mode", "everything"},
          {"pipeseal.dek.max-values", "0"},
          {"pipeseal.dek.max-age", "soon"},
          {"pipeseal.dek.prefetch-at", "1.5"},
          {"pipeseal.plaintext", "maybe"},
          {"pipeseal.context", "a/b"},
          {"pipeseal.deterministic", "yes"},
        }) {
      Map<String, Object> q = base();
      q.put(bad[0], bad[1]);
      assertThatThrownBy(() -> SerdeConfig.fromProperties(q, false))
          .as(bad[0])
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(bad[0]);
    }
  }

  @Test
  void typoSuggestsTheNearestValidName() {
    Map<String, Object> p = base();
    p.put("pipeseal.value.master_key", "x");
    assertThatThrownBy(() -> SerdeConfig.fromProperties(p, false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("nearest valid name: 'pipeseal.master-key'");
  }

  @Test
  void writersNeedAMasterKeyOrDeterministicDek() {
    assertThatThrownBy(() -> SerdeConfig.fromProperties(base(), false).requireWriterSettings())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeseal.value.master-key");
    assertThatThrownBy(() -> SerdeConfig.fromProperties(base(), true).requireWriterSettings())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeseal.key.deterministic.dek");
    Map<String, Object> noKms = new HashMap<>();
    noKms.put("pipeseal.master-key", "k");
    assertThatThrownBy(() -> SerdeConfig.fromProperties(noKms, false).requireWriterSettings())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("pipeseal.kms.uri");
  }

  @Test
  void avroFieldsAreTopLevelOnly() {
    Map<String, Object> p = base();
    p.put("pipeseal.mode", "avro-fields");
    p.put("pipeseal.fields", "/address/street");
    assertThatThrownBy(() -> SerdeConfig.fromProperties(p, false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("top-level");
  }
}
