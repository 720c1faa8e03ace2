package dev.pipeseal.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kms.testing.HadoopKmsServer;
import dev.pipeseal.kms.testing.HadoopKmsServer.KeyOp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A real Hadoop KMS server (child JVM): outage mid-stream, recovery, and ACL denial. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HadoopKmsBrokerTest {
  private KafkaBroker broker;
  private HadoopKmsServer kms;

  @BeforeAll
  void start() {
    broker = KafkaBroker.start();
    kms = HadoopKmsServer.builder().keyAcl("restricted", KeyOp.DECRYPT_EEK, "alice").start();
    kms.createKey("pii");
    kms.createKey("restricted");
  }

  @AfterAll
  void stop() throws Exception {
    if (kms != null) {
      kms.close();
    }
    broker.close();
  }

  private Map<String, Object> kmsProps(String user) {
    Map<String, Object> p = new HashMap<>();
    p.put("pipeseal.kms.uri", kms.uri().toString());
    kms.clientConfig().forEach((k, v) -> p.put("pipeseal.kms.provider." + k, v));
    p.put("pipeseal.kms.provider.user", user);
    p.put("pipeseal.kms.audit.sink", "none");
    // The first calls of a fresh client (connection, server EEK cache fill) can take seconds.
    p.put("pipeseal.kms.retries", "1");
    p.put("pipeseal.kms.timeout", "15s");
    return p;
  }

  private Map<String, Object> producerProps(String masterKey) {
    Map<String, Object> p = kmsProps("alice");
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", EncryptingSerializer.class.getName());
    p.put("pipeseal.value.serializer", StringSerializer.class.getName());
    p.put("pipeseal.master-key", masterKey);
    p.put("pipeseal.dek.max-wait", "40s");
    return p;
  }

  private Map<String, Object> consumerProps(String user) {
    Map<String, Object> p = kmsProps(user);
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", DecryptingDeserializer.class.getName());
    p.put("pipeseal.value.deserializer", StringDeserializer.class.getName());
    return p;
  }

  @Test
  void kmsOutageMidStreamNeverSendsPlaintextAndRecovers() throws Exception {
    String topic = broker.createTopic("outage", 1, false);
    Map<String, Object> pp = producerProps("pii");
    // No KEK layer here: each new DEK needs the KMS (with KEKs the producer would ride out an
    // outage for up to pipeseal.kms.kek.lifetime).
    pp.put("pipeseal.kms.kek.enabled", "false");
    pp.put("pipeseal.dek.max-values", "100");
    pp.put("pipeseal.dek.max-wait", "8s");
    pp.put("pipeseal.kms.retries", "0");
    pp.put("pipeseal.kms.timeout", "5s");
    List<String> sent = new ArrayList<>();
    String failure = null;
    try (KafkaProducer<String, String> producer = broker.producer(pp)) {
      for (int i = 0; i < 50; i++) {
        producer.send(new ProducerRecord<>(topic, "k", "secret-" + i)).get();
        sent.add("secret-" + i);
      }
      kms.stop();
      int i = 50;
      for (; i < 300; i++) {
        try {
          producer.send(new ProducerRecord<>(topic, "k", "secret-" + i)).get();
          sent.add("secret-" + i);
        } catch (SerializationException e) {
          failure = BrokerRoundTripTest.rootMessages(e);
          break;
        }
      }
      // The current DEK served out its 100 values, then sends failed loudly.
      assertThat(sent).hasSize(100);
      assertThat(failure).contains("'pii'").contains("nothing was sent");
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "k", "still down")))
          .isInstanceOf(SerializationException.class);
      kms.restart();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (true) {
        try {
          producer.send(new ProducerRecord<>(topic, "k", "after-restart")).get();
          sent.add("after-restart");
          break;
        } catch (SerializationException e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(200);
        }
      }
    }
    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, sent.size());
    assertThat(raw).hasSize(sent.size());
    for (ConsumerRecord<byte[], byte[]> r : raw) {
      assertThat(r.value()[0]).isEqualTo((byte) Envelope.VERSION_2);
      assertThat(new String(r.value(), StandardCharsets.ISO_8859_1))
          .doesNotContain("secret-")
          .doesNotContain("still down")
          .doesNotContain("after-restart");
    }
    // A consumer that starts while the KMS is down fails with a clear error, never garbage...
    kms.stop();
    try (KafkaConsumer<String, String> consumer = broker.consumer(consumerProps("alice"))) {
      consumer.subscribe(List.of(topic));
      assertThatThrownBy(
              () -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline) {
                  consumer.poll(Duration.ofMillis(200));
                }
              })
          .isInstanceOf(RecordDeserializationException.class)
          .satisfies(
              e ->
                  assertThat(BrokerRoundTripTest.rootMessages(e))
                      .contains(topic)
                      .contains("'pii'")
                      .containsAnyOf("KmsUnavailable", "timed out"));
    }
    // ...and reads everything once it is back.
    kms.restart();
    try (KafkaConsumer<String, String> consumer = broker.consumer(consumerProps("alice"))) {
      assertThat(KafkaBroker.drain(consumer, topic, sent.size()))
          .extracting(ConsumerRecord::value)
          .containsExactlyElementsOf(sent);
    }
  }

  @Test
  void consumerDeniedByKmsAclGetsClearError() {
    String topic = broker.createTopic("restricted", 1, false);
    try (KafkaProducer<String, String> producer = broker.producer(producerProps("restricted"))) {
      producer.send(new ProducerRecord<>(topic, "k", "for alice only"));
      producer.flush();
    }
    try (KafkaConsumer<String, String> consumer = broker.consumer(consumerProps("mallory"))) {
      consumer.subscribe(List.of(topic));
      assertThatThrownBy(
              () -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline) {
                  consumer.poll(Duration.ofMillis(200));
                }
              })
          .isInstanceOf(RecordDeserializationException.class)
          .satisfies(
              e ->
                  assertThat(BrokerRoundTripTest.rootMessages(e))
                      .contains("'restricted'")
                      .contains(topic)
                      .contains("AccessDenied"));
    }
    try (KafkaConsumer<String, String> consumer = broker.consumer(consumerProps("alice"))) {
      assertThat(KafkaBroker.drain(consumer, topic, 1))
          .extracting(ConsumerRecord::value)
          .containsExactly("for alice only");
    }
  }
}
