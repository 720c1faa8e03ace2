package dev.pipeseal.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole-value and key encryption against a real broker with the local key store, configured only
 * through client properties.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerRoundTripTest {
  @TempDir static Path dir;
  private KafkaBroker broker;
  private LocalKeys keys;
  private String deterministicDek;

  @BeforeAll
  void start() {
    broker = KafkaBroker.start();
    keys = LocalKeys.create(dir.resolve("keys"), "orders", "other");
    deterministicDek = keys.newDeterministicDek("orders");
  }

  @AfterAll
  void stop() throws Exception {
    broker.close();
  }

  private Map<String, Object> producerProps() {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("key.serializer", EncryptingSerializer.class.getName());
    p.put("value.serializer", EncryptingSerializer.class.getName());
    p.put("pipeseal.serializer", StringSerializer.class.getName());
    p.put("pipeseal.master-key", "orders");
    p.put("pipeseal.key.deterministic.dek", deterministicDek);
    return p;
  }

  private Map<String, Object> consumerProps(Map<String, String> kms) {
    Map<String, Object> p = new HashMap<>(kms);
    p.put("key.deserializer", DecryptingDeserializer.class.getName());
    p.put("value.deserializer", DecryptingDeserializer.class.getName());
    p.put("pipeseal.deserializer", StringDeserializer.class.getName());
    return p;
  }

  private static String value(int i) {
    return "order-" + i + " {\"amount\": " + (i * 7 % 1000) + ", \"card\": \"4111-xxxx\"}";
  }

  @Test
  void hundredThousandRecordsRoundTrip() {
    String topic = broker.createTopic("orders", 3, false);
    int n = 100_000;
    Map<String, Object> pp = producerProps();
    pp.put("pipeseal.dek.max-values", "30000"); // several DEK generations within one run
    try (KafkaProducer<String, String> producer = broker.producer(pp)) {
      for (int i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + (i % 1000), value(i)));
      }
      producer.flush();
    }
    Set<String> seen = new TreeSet<>();
    int count = 0;
    try (KafkaConsumer<String, String> consumer =
        broker.consumer(consumerProps(keys.properties()))) {
      for (ConsumerRecord<String, String> r : KafkaBroker.drain(consumer, topic, n)) {
        int i = Integer.parseInt(r.value().substring(6, r.value().indexOf(' ')));
        assertThat(r.value()).isEqualTo(value(i));
        assertThat(r.key()).isEqualTo("k" + (i % 1000));
        // No marker header by default (pipeseal.marker-header=false).
        assertThat(r.headers().lastHeader(EncryptionHeaders.VALUE)).isNull();
        seen.add(r.value());
        count++;
      }
    }
    assertThat(count).isEqualTo(n);
    assertThat(seen).hasSize(n);
    // On the wire every key and value is an envelope; no plaintext shows through.
    for (ConsumerRecord<byte[], byte[]> r : broker.readRaw(topic, 2000)) {
      // Values with inline references are v2 by default; deterministic keys stay v1.
      assertThat(r.value()[0]).isEqualTo((byte) Envelope.VERSION_2);
      assertThat(new String(r.value(), StandardCharsets.ISO_8859_1)).doesNotContain("order-");
      assertThat(new String(r.value(), StandardCharsets.ISO_8859_1)).doesNotContain("amount");
      assertThat(r.key()[0]).isEqualTo((byte) Envelope.VERSION_1);
      assertThat(r.key().length).isGreaterThan(40);
    }
  }

  @Test
  void deterministicKeysKeepPartitioning() throws Exception {
    String topic = broker.createTopic("keyed", 4, false);
    Map<String, List<Integer>> partitions = new HashMap<>();
    // Two producers (two processes in real life) must place equal keys on equal partitions.
    Map<String, Object> marking = producerProps();
    marking.put("pipeseal.marker-header", "true");
    for (int p = 0; p < 2; p++) {
      try (KafkaProducer<String, String> producer = broker.producer(marking)) {
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
        List<String> sentKeys = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
          String k = "customer-" + (i % 40);
          sent.add(producer.send(new ProducerRecord<>(topic, k, "v" + i)));
          sentKeys.add(k);
        }
        for (int i = 0; i < sent.size(); i++) {
          partitions
              .computeIfAbsent(sentKeys.get(i), x -> new ArrayList<>())
              .add(sent.get(i).get().partition());
        }
      }
    }
    assertThat(partitions).hasSize(40);
    Set<Integer> used = new TreeSet<>();
    for (List<Integer> ps : partitions.values()) {
      assertThat(Set.copyOf(ps)).hasSize(1);
      used.addAll(ps);
    }
    assertThat(used.size()).isGreaterThan(1);
    // Equal keys are byte-identical envelopes on the wire; they decrypt back.
    Set<String> distinctRawKeys = new TreeSet<>();
    for (ConsumerRecord<byte[], byte[]> r : broker.readRaw(topic, 1200)) {
      // pipeseal.marker-header=true marks both sides.
      assertThat(r.headers().lastHeader(EncryptionHeaders.KEY).value())
          .isEqualTo("v1".getBytes(StandardCharsets.US_ASCII));
      assertThat(r.headers().lastHeader(EncryptionHeaders.VALUE)).isNotNull();
      distinctRawKeys.add(java.util.HexFormat.of().formatHex(r.key()));
    }
    assertThat(distinctRawKeys).hasSize(40);
    try (KafkaConsumer<String, String> consumer =
        broker.consumer(consumerProps(keys.properties()))) {
      for (ConsumerRecord<String, String> r : KafkaBroker.drain(consumer, topic, 1200)) {
        assertThat(r.key()).startsWith("customer-");
        assertThat(partitions.get(r.key())).contains(r.partition());
      }
    }
  }

  @Test
  void compactedTopicKeepsTombstonesAndHeaders() {
    String topic = broker.createTopic("compacted", 1, true);
    try (KafkaProducer<String, String> producer = broker.producer(producerProps())) {
      RecordHeaders h = new RecordHeaders();
      h.add("trace-id", "abc".getBytes(StandardCharsets.UTF_8));
      producer.send(new ProducerRecord<>(topic, null, "user-1", "alice", h));
      producer.send(new ProducerRecord<>(topic, "user-2", "bob"));
      producer.send(new ProducerRecord<>(topic, "user-1", null));
      producer.flush();
    }
    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, 3);
    assertThat(raw.get(2).value()).isNull();
    assertThat(raw.get(2).headers().lastHeader(EncryptionHeaders.VALUE)).isNull();
    assertThat(raw.get(0).key()).isEqualTo(raw.get(2).key()); // compaction sees one key
    try (KafkaConsumer<String, String> consumer =
        broker.consumer(consumerProps(keys.properties()))) {
      List<ConsumerRecord<String, String>> got = KafkaBroker.drain(consumer, topic, 3);
      assertThat(got).extracting(ConsumerRecord::key).containsExactly("user-1", "user-2", "user-1");
      assertThat(got).extracting(ConsumerRecord::value).containsExactly("alice", "bob", null);
      assertThat(got.get(0).headers().lastHeader("trace-id").value())
          .isEqualTo("abc".getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void tamperedRecordFailsWithTopicPartitionOffsetAndKeyAndCanBeSkipped() {
    String topic = broker.createTopic("tampered", 1, false);
    try (KafkaProducer<String, String> producer = broker.producer(producerProps())) {
      producer.send(new ProducerRecord<>(topic, "a", "first"));
      producer.send(new ProducerRecord<>(topic, "b", "second"));
      producer.flush();
    }
    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, 2);
    byte[] evil = raw.get(1).value().clone();
    evil[evil.length - 1] ^= 1; // flip one tag bit
    Map<String, Object> rawProducer = new HashMap<>();
    rawProducer.put("key.serializer", ByteArraySerializer.class.getName());
    rawProducer.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = broker.producer(rawProducer)) {
      producer.send(
          new ProducerRecord<>(topic, null, raw.get(1).key(), evil, raw.get(1).headers()));
      producer.send(
          new ProducerRecord<>(
              topic, null, raw.get(0).key(), raw.get(0).value(), raw.get(0).headers()));
      producer.flush();
    }
    try (KafkaConsumer<String, String> consumer =
        broker.consumer(consumerProps(keys.properties()))) {
      List<ConsumerRecord<String, String>> got = KafkaBroker.drain(consumer, topic, 2);
      assertThat(got).extracting(ConsumerRecord::value).containsExactly("first", "second");
      RecordDeserializationException e =
          (RecordDeserializationException)
              org.assertj.core.api.Assertions.catchThrowable(
                  () -> consumer.poll(Duration.ofSeconds(10)));
      assertThat(e).isNotNull();
      assertThat(e.topicPartition()).isEqualTo(new TopicPartition(topic, 0));
      assertThat(e.offset()).isEqualTo(2);
      assertThat(e.getMessage()).contains(topic + "-0").contains("offset 2");
      assertThat(rootMessages(e)).contains("'" + topic + "'").contains("'orders'");
      assertThat(rootMessages(e)).contains("AuthenticationFailed");
      // The application decides: here it seeks past the bad record and goes on.
      consumer.seek(e.topicPartition(), e.offset() + 1);
      List<ConsumerRecord<String, String>> rest = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (rest.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(rest::add);
      }
      assertThat(rest).extracting(ConsumerRecord::value).containsExactly("first");
    }
  }

  @Test
  void plaintextIsRefusedUnlessMigrationAllowsIt() {
    String topic = broker.createTopic("legacy", 1, false);
    Map<String, Object> plain = new HashMap<>();
    plain.put("key.serializer", StringSerializer.class.getName());
    plain.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = broker.producer(plain)) {
      producer.send(new ProducerRecord<>(topic, "k", "legacy plaintext"));
      producer.flush();
    }
    try (KafkaProducer<String, String> producer = broker.producer(producerProps())) {
      producer.send(new ProducerRecord<>(topic, "k", "new encrypted"));
      producer.flush();
    }
    try (KafkaConsumer<String, String> consumer =
        broker.consumer(consumerProps(keys.properties()))) {
      consumer.subscribe(List.of(topic));
      assertThatThrownBy(() -> pollUntilError(consumer))
          .isInstanceOf(RecordDeserializationException.class)
          .satisfies(e -> assertThat(rootMessages(e)).contains("plaintext is refused"));
    }
    Map<String, Object> migrating = consumerProps(keys.properties());
    migrating.put("pipeseal.plaintext", "accept");
    try (KafkaConsumer<String, String> consumer = broker.consumer(migrating)) {
      assertThat(KafkaBroker.drain(consumer, topic, 2))
          .extracting(ConsumerRecord::value)
          .containsExactly("legacy plaintext", "new encrypted");
    }
  }

  @Test
  void consumerWithoutTheKeyFailsNamingIt() {
    String topic = broker.createTopic("nokey", 1, false);
    try (KafkaProducer<String, String> producer = broker.producer(producerProps())) {
      producer.send(new ProducerRecord<>(topic, "k", "secret"));
      producer.flush();
    }
    // Another key store that has a key of the same name but not the same key material.
    LocalKeys stranger = LocalKeys.create(dir.resolve("stranger"), "other");
    try (KafkaConsumer<String, String> consumer =
        broker.consumer(consumerProps(stranger.properties()))) {
      consumer.subscribe(List.of(topic));
      assertThatThrownBy(() -> pollUntilError(consumer))
          .isInstanceOf(RecordDeserializationException.class)
          .satisfies(e -> assertThat(rootMessages(e)).contains("'orders'").contains(topic));
    }
  }

  private static void pollUntilError(KafkaConsumer<?, ?> consumer) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      consumer.poll(Duration.ofMillis(200));
    }
  }

  static String rootMessages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable x = t; x != null; x = x.getCause()) {
      sb.append(x.getClass().getSimpleName()).append(": ").append(x.getMessage()).append(" | ");
    }
    return sb.toString();
  }
}
