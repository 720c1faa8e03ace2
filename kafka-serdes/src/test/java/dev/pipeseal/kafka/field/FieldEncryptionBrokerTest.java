package dev.pipeseal.kafka.field;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.EnvelopeReader;
import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.kafka.testing.GenericAvroSerde;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import dev.pipeseal.kms.bridge.KmsBridge;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Field-level encryption of JSON and Avro values on a real broker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FieldEncryptionBrokerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private KafkaBroker broker;
  private LocalKeys keys;

  @BeforeAll
  void start() {
    broker = KafkaBroker.start();
    keys = LocalKeys.create(dir.resolve("keys"), "pii");
  }

  @AfterAll
  void stop() throws Exception {
    broker.close();
  }

  private Map<String, Object> props(Map<String, Object> extra) {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("pipeseal.master-key", "pii");
    p.putAll(extra);
    return p;
  }

  @Test
  void jsonFieldsAreEncryptedOthersStayReadable() throws Exception {
    String topic = broker.createTopic("users-json", 2, false);
    Map<String, Object> common =
        Map.of(
            "pipeseal.value.mode", "json-fields", "pipeseal.value.fields", "/ssn, /address/street");
    Map<String, Object> pp = props(common);
    pp.put("key.serializer", StringSerializer.class.getName());
    pp.put("value.serializer", EncryptingSerializer.class.getName());
    pp.put("pipeseal.value.serializer", StringSerializer.class.getName());
    int n = 200;
    try (KafkaProducer<String, String> producer = broker.producer(pp)) {
      for (int i = 0; i < n; i++) {
        String v =
            "{\"id\":"
                + i
                + ",\"name\":\"user"
                + i
                + "\",\"ssn\":\"123-45-"
                + (1000 + i)
                + "\",\"address\":{\"street\":\"Main St "
                + i
                + "\",\"zip\":12345},\"tags\":[1,2]}";
        producer.send(new ProducerRecord<>(topic, "u" + i, v));
      }
      producer.send(new ProducerRecord<>(topic, "nossn", "{\"id\":-1,\"name\":\"anon\"}"));
      producer.flush();
    }
    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, n + 1);
    ConsumerRecord<byte[], byte[]> first =
        raw.stream().filter(r -> new String(r.key()).equals("u7")).findFirst().orElseThrow();
    JsonNode onWire = JSON.readTree(first.value());
    assertThat(onWire.get("name").asText()).isEqualTo("user7");
    assertThat(onWire.at("/address/zip").asInt()).isEqualTo(12345);
    assertThat(onWire.get("ssn").isTextual()).isTrue();
    assertThat(new String(first.value(), StandardCharsets.UTF_8))
        .doesNotContain("123-45")
        .doesNotContain("Main St");
    // The documented AAD convention: topic + JSON pointer; plaintext is the field's JSON text.
    byte[] env = Base64.getDecoder().decode(onWire.get("ssn").asText());
    try (KmsBridge kms = KmsBridge.open(keys.properties());
        EnvelopeReader reader = new EnvelopeReader(EnvelopeKeys.inline(kms))) {
      assertThat(
              new String(
                  reader.decrypt(env, EnvelopeContext.of(topic + "/ssn")), StandardCharsets.UTF_8))
          .isEqualTo("\"123-45-1007\"");
    }

    Map<String, Object> cp = props(common);
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", DecryptingDeserializer.class.getName());
    cp.put("pipeseal.value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = broker.consumer(cp)) {
      List<ConsumerRecord<String, String>> got = KafkaBroker.drain(consumer, topic, n + 1);
      assertThat(got).hasSize(n + 1);
      for (ConsumerRecord<String, String> r : got) {
        JsonNode v = JSON.readTree(r.value());
        int id = v.get("id").asInt();
        if (id < 0) {
          assertThat(v.has("ssn")).isFalse();
          continue;
        }
        assertThat(v.get("ssn").asText()).isEqualTo("123-45-" + (1000 + id));
        assertThat(v.at("/address/street").asText()).isEqualTo("Main St " + id);
        assertThat(v.get("tags").size()).isEqualTo(2);
      }
    }
  }

  @Test
  void avroFieldsAreEncryptedOthersStayReadable() {
    Schema schema =
        SchemaBuilder.record("User")
            .namespace("dev.example")
            .fields()
            .requiredInt("id")
            .requiredString("name")
            .optionalString("email")
            .name("score")
            .type()
            .doubleType()
            .noDefault()
            .endRecord();
    String topic = broker.createTopic("users-avro", 1, false);
    Map<String, Object> common =
        Map.of("pipeseal.value.mode", "avro-fields", "pipeseal.value.fields", "/email,/score");
    Map<String, Object> pp = props(common);
    pp.put("key.serializer", StringSerializer.class.getName());
    pp.put("value.serializer", EncryptingSerializer.class.getName());
    pp.put("pipeseal.value.serializer", GenericAvroSerde.Ser.class.getName());
    int n = 100;
    try (KafkaProducer<String, GenericRecord> producer = broker.producer(pp)) {
      for (int i = 0; i < n; i++) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", i);
        r.put("name", "user" + i);
        r.put("email", i % 10 == 0 ? null : "user" + i + "@example.com");
        r.put("score", i * 1.5);
        producer.send(new ProducerRecord<>(topic, "u" + i, r));
      }
      producer.flush();
    }
    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, n);
    GenericRecord onWire = new GenericAvroSerde.De().deserialize(topic, raw.get(3).value());
    assertThat(onWire.get("name").toString()).isEqualTo("user3");
    assertThat(onWire.get("email")).isInstanceOf(ByteBuffer.class);
    assertThat(onWire.getSchema().getField("email").schema().getType())
        .isEqualTo(Schema.Type.BYTES);
    assertThat(onWire.getSchema().getField("email").getProp("pipeseal.encrypted")).contains("null");
    assertThat(new String(raw.get(3).value(), StandardCharsets.ISO_8859_1))
        .doesNotContain("user3@");

    Map<String, Object> cp = props(common);
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", DecryptingDeserializer.class.getName());
    cp.put("pipeseal.value.deserializer", GenericAvroSerde.De.class.getName());
    try (KafkaConsumer<String, GenericRecord> consumer = broker.consumer(cp)) {
      List<ConsumerRecord<String, GenericRecord>> got = KafkaBroker.drain(consumer, topic, n);
      assertThat(got).hasSize(n);
      for (ConsumerRecord<String, GenericRecord> r : got) {
        GenericRecord v = r.value();
        int id = (Integer) v.get("id");
        assertThat(v.getSchema().getField("email").schema())
            .isEqualTo(schema.getField("email").schema());
        assertThat(v.get("score")).isEqualTo(id * 1.5);
        if (id % 10 == 0) {
          assertThat(v.get("email")).isNull();
        } else {
          assertThat(v.get("email").toString()).isEqualTo("user" + id + "@example.com");
        }
      }
    }
  }
}
