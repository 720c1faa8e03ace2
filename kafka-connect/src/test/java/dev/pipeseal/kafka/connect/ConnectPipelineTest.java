package dev.pipeseal.kafka.connect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.kafka.connect.testing.CollectingSink;
import dev.pipeseal.kafka.connect.testing.ConnectWorker;
import dev.pipeseal.kafka.connect.testing.CustomerSource;
import dev.pipeseal.kafka.connect.testing.Customers;
import dev.pipeseal.kafka.connect.testing.OutageKmsService;
import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.AbstractStatus;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone Connect worker and a real KRaft broker in this JVM: sources write through the
 * Pipeseal transformations and converters, plain consumers see only envelopes, the serializer's
 * deserializer reads what Connect wrote, and sinks get the original records back.
 */
class ConnectPipelineTest {
  private static final int N = 6;

  @TempDir static Path dir;
  private static KafkaBroker broker;
  private static ConnectWorker worker;
  private static LocalKeys keys;
  private static String keyDek;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.start();
    keys = LocalKeys.create(dir.resolve("kms"), "pii");
    keyDek = keys.newDeterministicDek("pii");
    worker = ConnectWorker.start(broker.bootstrap(), dir);
  }

  @AfterAll
  static void stop() throws Exception {
    if (worker != null) {
      worker.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static Map<String, String> kms(String prefix) {
    Map<String, String> m = new HashMap<>();
    keys.properties().forEach((k, v) -> m.put(prefix + k, v));
    return m;
  }

  private static Map<String, String> source(String topic) {
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", CustomerSource.class.getName());
    c.put("tasks.max", "1");
    c.put("topic", topic);
    c.put("count", String.valueOf(N));
    return c;
  }

  private static Map<String, String> sink(String topic, String store) {
    Map<String, String> c = new HashMap<>();
    c.put("connector.class", CollectingSink.class.getName());
    c.put("tasks.max", "1");
    c.put("topics", topic);
    c.put("store", store);
    c.put("consumer.override.auto.offset.reset", "earliest");
    return c;
  }

  private static boolean contains(byte[] haystack, String needle) {
    return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
  }

  @Test
  void converterWritesTheSerializersEnvelopesAndTheSinkGetsTheRecordsBack() throws Exception {
    String topic = broker.createTopic("conv", 1, false);
    Map<String, String> src = source(topic);
    src.put("value.converter", EncryptingConverter.class.getName());
    src.put("value.converter.pipeseal.converter", JsonConverter.class.getName());
    src.put("value.converter.schemas.enable", "true");
    src.put("value.converter.pipeseal.master-key", "pii");
    // Not the default: a routing tool downstream wants the marker header.
    src.put("value.converter.pipeseal.marker-header", "true");
    src.putAll(kms("value.converter."));
    worker.startConnector("conv-source", src);

    // An eavesdropper on the log sees envelopes with the marker header, and no plaintext.
    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, N);
    assertThat(raw).hasSize(N);
    for (ConsumerRecord<byte[], byte[]> r : raw) {
      assertThat(r.value()[0]).isEqualTo((byte) Envelope.VERSION_2);
      assertThat(new String(r.headers().lastHeader("pipeseal.enc").value(), StandardCharsets.UTF_8))
          .isEqualTo("v1");
      assertThat(contains(r.value(), "SSN-")).isFalse();
      assertThat(contains(r.value(), "Main St")).isFalse();
    }

    // Byte compatibility: the serializer's own deserializer returns the JSON converter's bytes.
    JsonConverter json = new JsonConverter();
    json.configure(Map.of("schemas.enable", "true"), false);
    Map<String, Object> consumer = new HashMap<>(keys.properties());
    consumer.put("key.deserializer", StringDeserializer.class.getName());
    consumer.put("value.deserializer", DecryptingDeserializer.class.getName());
    consumer.put("pipeseal.deserializer", StringDeserializer.class.getName());
    List<String> expected = new ArrayList<>();
    List<String> got = new ArrayList<>();
    try (KafkaConsumer<String, String> c = broker.consumer(consumer)) {
      for (ConsumerRecord<String, String> r : KafkaBroker.drain(c, topic, N)) {
        int i = Integer.parseInt(r.key().substring("customer-".length()));
        expected.add(
            new String(
                json.fromConnectData(topic, Customers.SCHEMA, Customers.value(i)),
                StandardCharsets.UTF_8));
        got.add(r.value());
      }
    }
    assertThat(got).hasSize(N).isEqualTo(expected);

    Map<String, String> snk = sink(topic, "conv");
    snk.put("value.converter", DecryptingConverter.class.getName());
    snk.put("value.converter.pipeseal.converter", JsonConverter.class.getName());
    snk.put("value.converter.schemas.enable", "true");
    snk.putAll(kms("value.converter."));
    worker.startConnector("conv-sink", snk);
    List<SinkRecord> landed = CollectingSink.await("conv", N);
    assertThat(landed).hasSize(N);
    for (SinkRecord r : landed) {
      int i = Integer.parseInt(((String) r.key()).substring("customer-".length()));
      assertThat(r.value()).isEqualTo(Customers.value(i));
    }
    worker.deleteConnector("conv-source");
    worker.deleteConnector("conv-sink");
  }

  @Test
  void transformsEncryptFieldsAndKeysAndTheSinkRestoresTypesAndSchemas() throws Exception {
    String topic = broker.createTopic("smt", 1, false);
    String fields = "/ssn,/age,/active,/photo,/balance,/note,/address/zip";
    Map<String, String> src = source(topic);
    src.put("key.converter", JsonConverter.class.getName());
    src.put("value.converter", JsonConverter.class.getName());
    src.put("value.converter.schemas.enable", "true");
    src.put("transforms", "sealKey,seal");
    src.put("transforms.sealKey.type", EncryptField.Key.class.getName());
    src.put("transforms.sealKey.pipeseal.deterministic.dek", keyDek);
    src.putAll(kms("transforms.sealKey."));
    src.put("transforms.seal.type", EncryptField.Value.class.getName());
    src.put("transforms.seal.pipeseal.fields", fields);
    src.put("transforms.seal.pipeseal.master-key", "pii");
    src.putAll(kms("transforms.seal."));
    worker.startConnector("smt-source", src);

    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, N);
    assertThat(raw).hasSize(N);
    Map<String, Integer> keysSeen = new HashMap<>();
    JsonConverter json = new JsonConverter();
    json.configure(Map.of("schemas.enable", "true"), false);
    for (ConsumerRecord<byte[], byte[]> r : raw) {
      assertThat(contains(r.value(), "SSN-")).isFalse();
      assertThat(contains(r.key(), "customer-")).isFalse();
      // Other fields stay readable; encrypted ones are bytes with the original type recorded.
      Struct v = (Struct) json.toConnectData(topic, r.value()).value();
      assertThat(v.schema().field("ssn").schema().type()).isEqualTo(Schema.Type.BYTES);
      assertThat(v.schema().field("ssn").schema().parameters())
          .containsEntry(SealedSchemas.TYPE, "string");
      assertThat(v.getStruct("address").getString("street")).startsWith("Main St ");
      assertThat(v.getStruct("address").schema().field("zip").schema().parameters())
          .containsEntry(SealedSchemas.TYPE, "int32");
      keysSeen.merge(new String(r.key(), StandardCharsets.UTF_8), 1, Integer::sum);
      // The envelope binds topic/field, as the serializer's field modes do (Spark reads it
      // with pipeseal_decrypt(ssn, 'string', '<topic>/ssn')).
      byte[] envelope = v.getBytes("ssn");
      assertThat(envelope[0]).isEqualTo((byte) Envelope.VERSION_2);
    }
    assertThat(keysSeen).hasSize(N);

    // Deterministic keys: a second run of the source writes byte-identical keys (partitioning
    // and compaction see the same key), while the values are randomized.
    worker.startConnector("smt-source-again", new HashMap<>(src));
    List<ConsumerRecord<byte[], byte[]>> both = broker.readRaw(topic, 2 * N);
    assertThat(both).hasSize(2 * N);
    Map<String, Integer> keyCounts = new HashMap<>();
    java.util.Set<String> values = new java.util.HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : both) {
      keyCounts.merge(new String(r.key(), StandardCharsets.UTF_8), 1, Integer::sum);
      values.add(base64(r.value()));
    }
    assertThat(keyCounts).hasSize(N).allSatisfy((k, n) -> assertThat(n).isEqualTo(2));
    assertThat(values).hasSize(2 * N);

    Map<String, String> snk = sink(topic, "smt");
    snk.put("key.converter", JsonConverter.class.getName());
    snk.put("value.converter", JsonConverter.class.getName());
    snk.put("value.converter.schemas.enable", "true");
    snk.put("transforms", "openKey,open");
    snk.put("transforms.openKey.type", DecryptField.Key.class.getName());
    snk.putAll(kms("transforms.openKey."));
    snk.put("transforms.open.type", DecryptField.Value.class.getName());
    snk.put("transforms.open.pipeseal.fields", fields);
    snk.putAll(kms("transforms.open."));
    worker.startConnector("smt-sink", snk);
    List<SinkRecord> landed = CollectingSink.await("smt", 2 * N);
    assertThat(landed).hasSize(2 * N);
    for (SinkRecord r : landed) {
      assertThat(r.keySchema().type()).isEqualTo(Schema.Type.STRING);
      int i = Integer.parseInt(((String) r.key()).substring("customer-".length()));
      Struct v = (Struct) r.value();
      assertThat(v.schema()).isEqualTo(Customers.SCHEMA);
      assertThat(v).isEqualTo(Customers.value(i));
      assertThat(v.get("age")).isInstanceOf(Integer.class);
      assertThat(v.get("active")).isInstanceOf(Boolean.class);
    }
    worker.deleteConnector("smt-source");
    worker.deleteConnector("smt-source-again");
    worker.deleteConnector("smt-sink");
  }

  @Test
  void kmsDownFailsTheTaskNamingTheKeyAndWritesNothing() throws Exception {
    LocalKeys outageKeys = LocalKeys.create(dir.resolve("outage"), "orders");
    Map<String, String> p = new HashMap<>(outageKeys.properties());
    p.put("pipeseal.kms.uri", p.get("pipeseal.kms.uri").replace("local://", "outage://"));
    p.put("pipeseal.kms.retries", "0");
    p.put("pipeseal.dek.max-wait", "2s");
    OutageKmsService.down = true;
    try {
      String convTopic = broker.createTopic("down-conv", 1, false);
      Map<String, String> conv = source(convTopic);
      conv.put("value.converter", EncryptingConverter.class.getName());
      conv.put("value.converter.pipeseal.master-key", "orders");
      p.forEach((k, v) -> conv.put("value.converter." + k, v));
      worker.startConnector("down-conv", conv);

      String smtTopic = broker.createTopic("down-smt", 1, false);
      Map<String, String> smt = source(smtTopic);
      smt.put("value.converter", JsonConverter.class.getName());
      smt.put("transforms", "seal");
      smt.put("transforms.seal.type", EncryptField.Value.class.getName());
      smt.put("transforms.seal.pipeseal.fields", "/ssn");
      smt.put("transforms.seal.pipeseal.master-key", "orders");
      p.forEach((k, v) -> smt.put("transforms.seal." + k, v));
      worker.startConnector("down-smt", smt);

      var convState =
          worker.awaitTask(
              "down-conv",
              s -> s.state().equals(AbstractStatus.State.FAILED.name()),
              Duration.ofSeconds(60));
      assertThat(convState.trace())
          .contains("topic '" + convTopic + "'")
          .contains("master key 'orders'")
          .contains("nothing was sent")
          .doesNotContain("SSN-");
      var smtState =
          worker.awaitTask(
              "down-smt",
              s -> s.state().equals(AbstractStatus.State.FAILED.name()),
              Duration.ofSeconds(60));
      assertThat(smtState.trace())
          .contains("field '/ssn'")
          .contains("topic '" + smtTopic + "'")
          .contains("master key 'orders'")
          .doesNotContain("SSN-");

      assertThat(readFor(convTopic, Duration.ofSeconds(2))).isEmpty();
      assertThat(readFor(smtTopic, Duration.ofSeconds(1))).isEmpty();
      worker.deleteConnector("down-conv");
      worker.deleteConnector("down-smt");
    } finally {
      OutageKmsService.down = false;
    }
  }

  @Test
  void aTamperedRecordGoesToTheDeadLetterQueueAndTheRestPass() throws Exception {
    String topic = broker.createTopic("tamper", 1, false);
    String dlq = topic + "-dlq";
    // Written by a plain producer with the serializer: Connect reads what producers write.
    Map<String, Object> prod = new HashMap<>(keys.properties());
    prod.put("key.serializer", StringSerializer.class.getName());
    prod.put("value.serializer", EncryptingSerializer.class.getName());
    prod.put("pipeseal.serializer", StringSerializer.class.getName());
    prod.put("pipeseal.master-key", "pii");
    try (KafkaProducer<String, String> p = broker.producer(prod)) {
      for (int i = 0; i < 5; i++) {
        if (i == 2) {
          continue;
        }
        p.send(
                new ProducerRecord<>(
                    topic, "k" + i, "{\"id\":" + i + ",\"ssn\":\"" + Customers.ssn(i) + "\"}"))
            .get();
      }
    }
    // One record with a flipped ciphertext bit, keeping its marker header.
    ConsumerRecord<byte[], byte[]> model = broker.readRaw(topic, 1).get(0);
    byte[] tampered = model.value().clone();
    tampered[tampered.length - 20] ^= 1;
    try (KafkaProducer<byte[], byte[]> p =
        broker.producer(
            Map.of(
                "key.serializer", ByteArraySerializer.class.getName(),
                "value.serializer", ByteArraySerializer.class.getName()))) {
      ProducerRecord<byte[], byte[]> bad =
          new ProducerRecord<>(topic, "k2".getBytes(StandardCharsets.UTF_8), tampered);
      for (Header h : model.headers()) {
        bad.headers().add(h);
      }
      p.send(bad).get();
    }

    Map<String, String> snk = sink(topic, "tamper");
    snk.put("value.converter", DecryptingConverter.class.getName());
    snk.put("value.converter.pipeseal.converter", JsonConverter.class.getName());
    snk.put("value.converter.schemas.enable", "false");
    snk.putAll(kms("value.converter."));
    snk.put("errors.tolerance", "all");
    snk.put("errors.deadletterqueue.topic.name", dlq);
    snk.put("errors.deadletterqueue.topic.replication.factor", "1");
    snk.put("errors.deadletterqueue.context.headers.enable", "true");
    worker.startConnector("tamper-sink", snk);

    List<SinkRecord> landed = CollectingSink.await("tamper", 4);
    List<ConsumerRecord<byte[], byte[]>> dead = broker.readRaw(dlq, 1);
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).value()).isEqualTo(tampered);
    String message =
        new String(
            dead.get(0).headers().lastHeader("__connect.errors.exception.message").value(),
            StandardCharsets.UTF_8);
    assertThat(message).contains(topic).contains("master key 'pii'");
    assertThat(message).doesNotContain("SSN-");

    Thread.sleep(500); // nothing else may arrive
    landed = List.copyOf(CollectingSink.store("tamper"));
    assertThat(landed).hasSize(4);
    for (SinkRecord r : landed) {
      @SuppressWarnings("unchecked")
      Map<String, Object> v = (Map<String, Object>) r.value();
      int i = ((Number) v.get("id")).intValue();
      assertThat(i).isNotEqualTo(2);
      assertThat(v).containsEntry("ssn", Customers.ssn(i));
    }
    worker.deleteConnector("tamper-sink");
  }

  /** Everything on {@code topic} within {@code d}, as raw bytes. */
  private static List<ConsumerRecord<byte[], byte[]>> readFor(String topic, Duration d) {
    Map<String, Object> cfg = new HashMap<>();
    cfg.put("key.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
    cfg.put(
        "value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = broker.consumer(cfg)) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + d.toNanos();
      while (System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  static String base64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }
}
