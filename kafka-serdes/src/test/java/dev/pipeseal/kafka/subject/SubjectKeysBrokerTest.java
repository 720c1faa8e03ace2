package dev.pipeseal.kafka.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.KeyReferenceKind;
import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.kafka.testing.ErasureAwareConsumer;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-subject keys on a real broker ({@code pipeseal.value.subject}): records name their subject's
 * key by reference (kind 0x03), a shred erases exactly that subject's records for every consumer,
 * running ones included, and producers fail closed on records without a subject or for an erased
 * one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SubjectKeysBrokerTest {
  @TempDir static Path dir;
  private KafkaBroker broker;
  private LocalKeys keys;
  private Path registry;
  private Path prfKey;
  private SubjectHasher hasher;

  @BeforeAll
  void start() throws Exception {
    broker = KafkaBroker.start();
    keys = LocalKeys.create(dir.resolve("keys"), "pii");
    registry = dir.resolve("registry");
    prfKey = dir.resolve("subject-prf.key");
    Files.writeString(prfKey, "test-only subject PRF key of at least 32 bytes\n");
    hasher = SubjectHasher.of(Files.readString(prfKey).strip().getBytes(StandardCharsets.UTF_8));
  }

  @AfterAll
  void stop() throws Exception {
    broker.close();
  }

  private Map<String, Object> producerProps(String subject) {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", EncryptingSerializer.class.getName());
    p.put("pipeseal.value.serializer", StringSerializer.class.getName());
    p.put("pipeseal.master-key", "pii");
    p.put("pipeseal.registry", registry.toString());
    p.put("pipeseal.value.subject", subject);
    p.put("pipeseal.subject.prf-key", "file:" + prfKey);
    if (subject.equals("key")) {
      p.put("interceptor.classes", SubjectKeyInterceptor.class.getName());
    }
    return p;
  }

  /** A consumer with the KMS and the registry, no PRF key; {@code ttl} the subject cache TTL. */
  private Map<String, Object> consumerProps(String ttl) {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", DecryptingDeserializer.class.getName());
    p.put("pipeseal.value.deserializer", StringDeserializer.class.getName());
    p.put("pipeseal.registry", registry.toString());
    p.put("pipeseal.registry.subject-cache-ttl", ttl);
    return p;
  }

  private void shred(String subject) {
    try (SubjectKeyRegistry subjects = KeyRegistries.openSubjects(registry.toString(), Map.of())) {
      assertThat(subjects.shred(hasher.hash(subject)).keysDestroyed()).isEqualTo(1);
    }
  }

  @Test
  void recordsKeyedBySubjectAreErasedByAShredAndOthersStayReadable() throws Exception {
    String topic = broker.createTopic("by-key", 2, false);
    int subjects = 20;
    int perSubject = 5;
    try (KafkaProducer<String, String> producer = broker.producer(producerProps("key"))) {
      for (int i = 0; i < subjects * perSubject; i++) {
        String user = "user-" + (i % subjects);
        producer.send(new ProducerRecord<>(topic, user, "secret of " + user + " #" + i));
      }
      producer.flush();
    }
    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, subjects * perSubject);
    assertThat(raw).hasSize(subjects * perSubject);
    for (ConsumerRecord<byte[], byte[]> r : raw) {
      byte[] v = r.value();
      assertThat(v[0]).isEqualTo((byte) Envelope.VERSION_1);
      assertThat(v[2]).isEqualTo((byte) KeyReferenceKind.SUBJECT_KEY_ID.id());
      // The envelope names the subject's hash, so no wrapped DEK travels with the record.
      SubjectHash named = SubjectHash.fromBytes(Arrays.copyOfRange(v, 4, 20), 0);
      assertThat(named).isEqualTo(hasher.hash(new String(r.key(), StandardCharsets.UTF_8)));
      assertThat(new String(v, StandardCharsets.ISO_8859_1)).doesNotContain("secret of");
      // The hand-over header never reaches the broker.
      assertThat(r.headers().lastHeader(SubjectKeyInterceptor.HEADER)).isNull();
    }

    // A long-running consumer (no subject cache) reads everything, then sees a shred at once.
    try (KafkaConsumer<String, String> running = broker.consumer(consumerProps("0s"))) {
      running.subscribe(List.of(topic));
      var before = ErasureAwareConsumer.readAll(running, subjects * perSubject);
      assertThat(before.erased()).isEmpty();
      assertThat(before.values()).hasSize(subjects * perSubject);
      for (ConsumerRecord<String, String> r : before.values().values()) {
        assertThat(r.value()).startsWith("secret of " + r.key() + " #");
      }

      shred("user-3");
      shred("user-7");
      try (KafkaProducer<String, String> producer = broker.producer(producerProps("key"))) {
        producer.send(new ProducerRecord<>(topic, "user-1", "secret of user-1 #late")).get();
        // A producer refuses new records about an erased subject.
        assertThatThrownBy(
                () -> producer.send(new ProducerRecord<>(topic, "user-3", "secret of user-3 #x")))
            .isInstanceOf(SerializationException.class)
            .hasMessageContaining("'" + topic + "'")
            .hasMessageContaining(hasher.hash("user-3").hex())
            .hasMessageContaining("erased")
            .hasMessageNotContaining("secret of");
      }
      // The same deserializer reads the new record and refuses the erased subject's old ones.
      running.seekToBeginning(running.assignment());
      var after = ErasureAwareConsumer.readAll(running, subjects * perSubject + 1);
      assertThat(after.erased()).hasSize(2 * perSubject);
      assertThat(after.values()).hasSize((subjects - 2) * perSubject + 1);
      assertThat(after.values().values())
          .allSatisfy(r -> assertThat(r.key()).isNotIn("user-3", "user-7"))
          .anySatisfy(r -> assertThat(r.value()).isEqualTo("secret of user-1 #late"));
      Set<SubjectHash> erasedHashes = Set.of(hasher.hash("user-3"), hasher.hash("user-7"));
      assertThat(after.erased()).allSatisfy(e -> assertThat(e.subject()).isIn(erasedHashes));
      assertThat(after.failures())
          .allSatisfy(
              f ->
                  assertThat(f.getCause().getMessage())
                      .contains("'" + topic + "'")
                      .contains("was erased")
                      .doesNotContain("secret of"));
    }
  }

  @Test
  void jsonPointerAndHeaderSubjectsAndRecordsWithoutOneFailClosed() throws Exception {
    String topic = broker.createTopic("by-json", 1, false);
    try (KafkaProducer<String, String> producer = broker.producer(producerProps("/user/id"))) {
      producer.send(new ProducerRecord<>(topic, "a", "{\"user\":{\"id\":\"u-1\"},\"ssn\":\"1\"}"));
      producer.send(new ProducerRecord<>(topic, "b", "{\"user\":{\"id\":42},\"ssn\":\"2\"}"));
      producer.flush();
      assertThatThrownBy(
              () ->
                  producer.send(
                      new ProducerRecord<>(topic, "c", "{\"user\":{},\"ssn\":\"123-45-6789\"}")))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("'" + topic + "'")
          .hasMessageContaining("pipeseal.value.subject=/user/id")
          .hasMessageNotContaining("123-45-6789");
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "d", "ssn 987-65-4321")))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("pipeseal.value.subject=/user/id")
          .hasMessageContaining("not JSON")
          .hasMessageNotContaining("987-65-4321");
    }
    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, 2);
    assertThat(raw).hasSize(2);
    assertThat(SubjectHash.fromBytes(Arrays.copyOfRange(raw.get(0).value(), 4, 20), 0))
        .isEqualTo(hasher.hash("u-1"));
    assertThat(SubjectHash.fromBytes(Arrays.copyOfRange(raw.get(1).value(), 4, 20), 0))
        .isEqualTo(hasher.hash("42"));

    String headers = broker.createTopic("by-header", 1, false);
    try (KafkaProducer<String, String> producer =
        broker.producer(producerProps("header:subject"))) {
      var r = new ProducerRecord<>(headers, "k", "secret value");
      r.headers().add("subject", "u-1".getBytes(StandardCharsets.UTF_8));
      producer.send(r).get();
      assertThatThrownBy(() -> producer.send(new ProducerRecord<>(headers, "k", "secret value")))
          .isInstanceOf(SerializationException.class)
          .hasMessageContaining("no header 'subject'")
          .hasMessageNotContaining("secret value");
    }
    // The header record is under the same subject key as the JSON one: one key per subject id.
    byte[] h = broker.readRaw(headers, 1).get(0).value();
    assertThat(Arrays.copyOfRange(h, 4, 28))
        .isEqualTo(Arrays.copyOfRange(raw.get(0).value(), 4, 28));
    try (KafkaConsumer<String, String> consumer = broker.consumer(consumerProps("1m"))) {
      consumer.subscribe(List.of(topic, headers));
      var all = ErasureAwareConsumer.readAll(consumer, 3);
      assertThat(all.values().values())
          .extracting(ConsumerRecord::value)
          .containsExactlyInAnyOrder(
              "{\"user\":{\"id\":\"u-1\"},\"ssn\":\"1\"}",
              "{\"user\":{\"id\":42},\"ssn\":\"2\"}",
              "secret value");
    }
  }

  @Test
  void subjectSettingsAreCheckedAtConfigure() {
    Map<String, Object> noRegistry = producerProps("/id");
    noRegistry.remove("pipeseal.registry");
    assertThatThrownBy(() -> broker.producer(noRegistry))
        .hasStackTraceContaining("pipeseal.value.subject")
        .hasStackTraceContaining("pipeseal.registry");
    Map<String, Object> noPrf = producerProps("/id");
    noPrf.remove("pipeseal.subject.prf-key");
    assertThatThrownBy(() -> broker.producer(noPrf))
        .hasStackTraceContaining("pipeseal.subject.prf-key");
    Map<String, Object> bad = producerProps("user.id");
    assertThatThrownBy(() -> broker.producer(bad))
        .hasStackTraceContaining("pipeseal.value.subject")
        .hasStackTraceContaining("JSON pointer");
  }
}
