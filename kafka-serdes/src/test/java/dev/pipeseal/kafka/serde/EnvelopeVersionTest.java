package dev.pipeseal.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kafka.testing.LocalKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which envelope format the serializer writes ({@code pipeseal.envelope-version}): v2 by default
 * for inline key references, v1 on request (for consumers of earlier releases), and always v1 for
 * registry references and deterministic keys; one deserializer reads a topic holding both, as it
 * does while producers are upgraded one by one.
 */
class EnvelopeVersionTest {
  @TempDir Path dir;

  private Map<String, Object> props(LocalKeys keys) {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("pipeseal.master-key", "orders");
    return p;
  }

  private static byte[] seal(Map<String, Object> props, boolean isKey, String value) {
    try (EncryptingSerializer<byte[]> s = new EncryptingSerializer<>()) {
      s.configure(props, isKey);
      return s.serialize("orders", new RecordHeaders(), value.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void inlineReferencesWriteV2UnlessTold1AndOneReaderReadsBoth() {
    LocalKeys keys = LocalKeys.create(dir.resolve("keys"), "orders");
    Map<String, Object> v1 = props(keys);
    v1.put("pipeseal.envelope-version", "1");
    List<byte[]> values = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      values.add(seal(i % 2 == 0 ? props(keys) : v1, false, "value-" + i));
    }
    for (int i = 0; i < values.size(); i++) {
      assertThat(values.get(i)[0]).isEqualTo((byte) (i % 2 == 0 ? 0x02 : 0x01));
    }
    try (DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>()) {
      d.configure(props(keys), false);
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < values.size(); i++) {
          byte[] got = d.deserialize("orders", new RecordHeaders(), values.get(i));
          assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("value-" + i);
        }
      }
      // The version byte is authenticated: a v2 value relabelled v1 (or back) fails alone.
      byte[] relabelled = values.get(0).clone();
      relabelled[0] = 0x01;
      assertThatThrownBy(() -> d.deserialize("orders", new RecordHeaders(), relabelled))
          .isInstanceOf(SerializationException.class)
          .hasMessageNotContaining("value-0");
      byte[] back = values.get(1).clone();
      back[0] = 0x02;
      assertThatThrownBy(() -> d.deserialize("orders", new RecordHeaders(), back))
          .isInstanceOf(SerializationException.class)
          .hasMessageNotContaining("value-1");
      assertThat(d.deserialize("orders", new RecordHeaders(), values.get(2)))
          .isEqualTo("value-2".getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void registryReferencesAndDeterministicKeysStayV1() {
    LocalKeys keys = LocalKeys.create(dir.resolve("keys"), "orders");
    Map<String, Object> compact = props(keys);
    compact.put("pipeseal.key-references", "registry");
    compact.put("pipeseal.registry", dir.resolve("registry").toString());
    assertThat(seal(compact, false, "v")[0]).isEqualTo((byte) 0x01);
    Map<String, Object> deterministic = props(keys);
    deterministic.put("pipeseal.key.deterministic.dek", keys.newDeterministicDek("orders"));
    assertThat(seal(deterministic, true, "k")[0]).isEqualTo((byte) 0x01);
  }

  @Test
  void anUnknownVersionIsRefusedByName() {
    LocalKeys keys = LocalKeys.create(dir.resolve("keys"), "orders");
    Map<String, Object> p = props(keys);
    p.put("pipeseal.envelope-version", "3");
    try (EncryptingSerializer<byte[]> s = new EncryptingSerializer<>()) {
      assertThatThrownBy(() -> s.configure(p, false))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("envelope-version");
    }
  }
}
