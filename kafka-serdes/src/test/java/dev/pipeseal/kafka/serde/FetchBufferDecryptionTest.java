package dev.pipeseal.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kafka.testing.LocalKeys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deserializer reuses the last envelope header it parsed (and its key) while values match it
 * byte for byte; values under other DEKs, in other topics or with a changed key reference, taken at
 * offsets inside one buffer as the consumer hands them over, must still decrypt or fail alone.
 */
class FetchBufferDecryptionTest {
  @TempDir Path dir;

  private Map<String, Object> props(LocalKeys keys) {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("pipeseal.master-key", "orders");
    p.put("pipeseal.dek.max-values", "3"); // a new DEK every three values
    return p;
  }

  @Test
  void valuesUnderSeveralDeksAndTopicsInOneBufferDecryptAndATamperedReferenceFailsAlone() {
    LocalKeys keys = LocalKeys.create(dir.resolve("keys"), "orders");
    List<byte[]> values = new ArrayList<>();
    List<String> topics = new ArrayList<>();
    try (EncryptingSerializer<byte[]> a = new EncryptingSerializer<>();
        EncryptingSerializer<byte[]> b = new EncryptingSerializer<>()) {
      a.configure(props(keys), false);
      b.configure(props(keys), false);
      for (int i = 0; i < 12; i++) {
        String topic = i % 5 == 4 ? "refunds" : "orders";
        EncryptingSerializer<byte[]> s = i % 4 < 2 ? a : b; // two producers interleaved
        values.add(s.serialize(topic, new RecordHeaders(), ("value-" + i).getBytes()));
        topics.add(topic);
      }
    }
    // One "fetch buffer" holding every value at an offset.
    int total = values.stream().mapToInt(v -> v.length + 7).sum();
    ByteBuffer fetch = ByteBuffer.allocate(total);
    List<ByteBuffer> slices = new ArrayList<>();
    for (byte[] v : values) {
      fetch.position(fetch.position() + 7);
      slices.add(fetch.slice(fetch.position(), v.length));
      fetch.put(v);
    }
    try (DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>()) {
      d.configure(props(keys), false);
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < values.size(); i++) {
          byte[] got = d.deserialize(topics.get(i), marked(), slices.get(i).duplicate());
          assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("value-" + i);
        }
      }
      // Same bytes, but the key reference changed in place after a good value was read.
      assertThat(d.deserialize("orders", marked(), slices.get(0).duplicate())).isNotNull();
      ByteBuffer evil = slices.get(1).duplicate();
      int refByte = evil.position() + 60; // inside the inline wrapped key
      evil.put(refByte, (byte) (evil.get(refByte) ^ 1));
      assertThatThrownBy(() -> d.deserialize("orders", marked(), slices.get(1).duplicate()))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("'orders'")
          .hasMessageNotContaining("value-1");
      // A value from another topic under the cached header fails too (the topic is in the AAD).
      assertThatThrownBy(() -> d.deserialize("refunds", marked(), slices.get(0).duplicate()))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("refunds");
      // Good values still decrypt afterwards.
      for (int i = 2; i < values.size(); i++) {
        byte[] got = d.deserialize(topics.get(i), marked(), slices.get(i).duplicate());
        assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("value-" + i);
      }
    }
  }

  private static RecordHeaders marked() {
    RecordHeaders h = new RecordHeaders();
    h.add(EncryptionHeaders.VALUE, EncryptionHeaders.V1.getBytes(StandardCharsets.US_ASCII));
    return h;
  }
}
