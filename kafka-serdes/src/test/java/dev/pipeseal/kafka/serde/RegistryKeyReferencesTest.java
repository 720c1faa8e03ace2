package dev.pipeseal.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.KeyReferenceKind;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.registry.rotation.RegistryRewrapper;
import dev.pipeseal.registry.rotation.RewrapReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
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
 * Records that name their DEK by an 8-byte key registry id ({@code
 * pipeseal.key-references=registry}) instead of carrying the wrapped DEK, on a real broker with the
 * local key store and a registry in a local directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryKeyReferencesTest {
  // version, algorithm, kind, length varint, 8-byte id, then XAES nonce (24) and tag (16).
  private static final int COMPACT_OVERHEAD = 4 + KeyId.LENGTH_BYTES + 24 + 16;

  @TempDir static Path dir;
  private KafkaBroker broker;
  private LocalKeys keys;
  private Path registry;

  @BeforeAll
  void start() {
    broker = KafkaBroker.start();
    keys = LocalKeys.create(dir.resolve("keys"), "orders");
    registry = dir.resolve("registry");
  }

  @AfterAll
  void stop() throws Exception {
    broker.close();
  }

  private Map<String, Object> producerProps() {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("value.serializer", EncryptingSerializer.class.getName());
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("pipeseal.value.serializer", StringSerializer.class.getName());
    p.put("pipeseal.master-key", "orders");
    p.put("pipeseal.key-references", "registry");
    p.put("pipeseal.registry", registry.toString());
    p.put("pipeseal.dek.max-values", "250"); // several DEKs, hence several ids
    return p;
  }

  /** A consumer that has only the KMS settings and the registry location. */
  private Map<String, Object> consumerProps() {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", DecryptingDeserializer.class.getName());
    p.put("pipeseal.value.deserializer", StringDeserializer.class.getName());
    p.put("pipeseal.registry", registry.toUri().toString());
    return p;
  }

  private static String value(int i) {
    return "order-" + i + " {\"amount\": " + i * 3 + "}";
  }

  private static KeyId idOf(byte[] envelope) {
    return KeyId.fromBytes(Arrays.copyOfRange(envelope, 4, 4 + KeyId.LENGTH_BYTES));
  }

  @Test
  void compactRecordsRoundTripThroughAFreshConsumerAndEveryIdIsStoredBeforeItsRecord()
      throws Exception {
    String topic = broker.createTopic("compact", 2, false);
    int n = 1000;
    try (KafkaProducer<String, String> producer = broker.producer(producerProps())) {
      // The first record is acknowledged alone: its id must already be in the registry then.
      producer.send(new ProducerRecord<>(topic, "k0", value(0))).get();
      byte[] first = broker.readRaw(topic, 1).get(0).value();
      try (KeyRegistry fresh = KeyRegistries.open(registry)) {
        assertThat(fresh.read(idOf(first))).isPresent();
      }
      for (int i = 1; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, value(i)));
      }
      producer.flush();
    }
    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, n);
    assertThat(raw).hasSize(n);
    Set<KeyId> ids = new LinkedHashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : raw) {
      byte[] v = r.value();
      assertThat(v[0]).isEqualTo((byte) Envelope.VERSION_1);
      assertThat(v[2]).isEqualTo((byte) KeyReferenceKind.REGISTRY_KEY_ID.id());
      assertThat(v[3]).isEqualTo((byte) KeyId.LENGTH_BYTES);
      int plain =
          value(Integer.parseInt(new String(r.key(), StandardCharsets.UTF_8).substring(1)))
              .length();
      assertThat(v.length - plain).isEqualTo(COMPACT_OVERHEAD).isLessThanOrEqualTo(64);
      assertThat(new String(v, StandardCharsets.ISO_8859_1)).doesNotContain("order-");
      ids.add(idOf(v));
    }
    assertThat(ids).hasSizeGreaterThanOrEqualTo(4); // 1000 values, a new DEK every 250
    // Every id that a record names is durably in the registry, read without any cache.
    try (KeyRegistry fresh = KeyRegistries.open(registry)) {
      for (KeyId id : ids) {
        assertThat(fresh.read(id)).as("registry record of %s", id).isPresent();
      }
    }
    int count = 0;
    try (KafkaConsumer<String, String> consumer = broker.consumer(consumerProps())) {
      for (ConsumerRecord<String, String> r : KafkaBroker.drain(consumer, topic, n)) {
        assertThat(r.value()).isEqualTo(value(Integer.parseInt(r.key().substring(1))));
        count++;
      }
    }
    assertThat(count).isEqualTo(n);
  }

  @Test
  void afterAMasterKeyRotationTheRegistryIsRewrappedAndTheTopicStaysReadable() throws Exception {
    Path own = dir.resolve("rotated-registry");
    Map<String, Object> pp = producerProps();
    pp.put("pipeseal.registry", own.toString());
    Map<String, Object> cp = consumerProps();
    cp.put("pipeseal.registry", own.toString());
    String topic = broker.createTopic("rotated", 1, false);
    int n = 600;
    try (KafkaProducer<String, String> producer = broker.producer(pp)) {
      for (int i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, value(i)));
      }
      producer.flush();
    }
    String newVersion;
    try (KmsBridge kms = KmsBridge.open(keys.properties());
        KeyRegistry reg = KeyRegistries.open(own)) {
      newVersion = kms.admin().orElseThrow().rotateKey("orders").currentVersion();
      RewrapReport report = new RegistryRewrapper(kms, reg, null, false, 50, p -> {}).run();
      assertThat(report.complete()).isTrue();
      assertThat(report.rewrapped()).isGreaterThanOrEqualTo(3); // a new DEK every 250 values
      reg.ids()
          .forEach(
              id -> {
                RegistryRecord r = reg.read(id).orElseThrow();
                assertThat(r.generation()).isEqualTo(2);
                assertThat(r.wrapped().masterKeyVersion()).isEqualTo(newVersion);
              });
    }
    // The records on the topic were not touched; a fresh consumer reads them through the
    // rewrapped registry records.
    int count = 0;
    try (KafkaConsumer<String, String> consumer = broker.consumer(cp)) {
      for (ConsumerRecord<String, String> r : KafkaBroker.drain(consumer, topic, n)) {
        assertThat(r.value()).isEqualTo(value(Integer.parseInt(r.key().substring(1))));
        count++;
      }
    }
    assertThat(count).isEqualTo(n);
  }

  @Test
  void anUnknownOrTamperedIdFailsNamingTheTopicAndTheKeyId() throws Exception {
    String topic = broker.createTopic("tampered", 1, false);
    byte[] good;
    try (EncryptingSerializer<String> ser = new EncryptingSerializer<>(new StringSerializer())) {
      ser.configure(producerProps(), false);
      good = ser.serialize(topic, new RecordHeaders(), value(1));
    }
    byte[] bad = good.clone();
    bad[4 + 3] ^= 0x40; // one bit of the registry id
    String badHex = HexFormat.of().formatHex(bad, 4, 4 + KeyId.LENGTH_BYTES);
    RecordHeaders marked = new RecordHeaders();
    marked.add(EncryptionHeaders.VALUE, "v1".getBytes(StandardCharsets.US_ASCII));
    Map<String, Object> raw = new HashMap<>();
    raw.put("key.serializer", StringSerializer.class.getName());
    raw.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<String, byte[]> p = broker.producer(raw)) {
      p.send(new ProducerRecord<>(topic, 0, "k1", bad, marked)).get();
      p.send(new ProducerRecord<>(topic, 0, "k1", good, marked)).get();
    }
    try (KafkaConsumer<String, String> consumer = broker.consumer(consumerProps())) {
      consumer.subscribe(List.of(topic));
      RecordDeserializationException failure = null;
      for (int i = 0; i < 300 && failure == null; i++) {
        try {
          consumer.poll(Duration.ofMillis(200));
        } catch (RecordDeserializationException e) {
          failure = e;
        }
      }
      assertThat(failure).isNotNull();
      assertThat(failure.offset()).isZero();
      assertThat(failure.getCause().getMessage())
          .contains("'" + topic + "'")
          .contains(badHex)
          .contains("not in the key registry")
          .doesNotContain("order-");
      // The application can skip the bad record; the next one decrypts.
      consumer.seek(failure.topicPartition(), failure.offset() + 1);
      String next = null;
      for (int i = 0; i < 300 && next == null; i++) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          next = r.value();
        }
      }
      assertThat(next).isEqualTo(value(1));
    }
  }

  @Test
  void withoutTheMarkerHeaderRecordsStillDecryptAndNeverPassAsPlaintext() throws Exception {
    String topic = broker.createTopic("unmarked", 1, false);
    Map<String, Object> p = producerProps();
    p.put("pipeseal.marker-header", "false");
    try (KafkaProducer<String, String> producer = broker.producer(p)) {
      for (int i = 0; i < 20; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, value(i)));
      }
      producer.flush();
    }
    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, 20);
    assertThat(raw).allSatisfy(r -> assertThat(r.headers().toArray()).isEmpty());
    try (KafkaConsumer<String, String> consumer = broker.consumer(consumerProps())) {
      assertThat(KafkaBroker.drain(consumer, topic, 20))
          .extracting(ConsumerRecord::value)
          .containsExactlyElementsOf(
              java.util.stream.IntStream.range(0, 20).mapToObj(i -> value(i)).toList());
    }
    // A migrating reader that accepts plaintext but cannot resolve the id (no registry, a registry
    // that is down or lost the record) refuses the value; it never hands the ciphertext on.
    byte[] sealed = raw.get(0).value();
    Map<String, Object> accepting = new HashMap<>(keys.properties());
    accepting.put("pipeseal.plaintext", "accept");
    try (DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>()) {
      d.configure(accepting, false);
      assertThatThrownBy(() -> d.deserialize(topic, new RecordHeaders(), sealed))
          .hasMessageContaining("'" + topic + "'")
          .hasMessageContaining("need a key registry");
      byte[] legacy = "legacy plaintext".getBytes(StandardCharsets.UTF_8);
      assertThat(d.deserialize(topic, new RecordHeaders(), legacy)).isEqualTo(legacy);
    }
    accepting.put("pipeseal.registry", dir.resolve("empty-registry").toString());
    try (DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>()) {
      d.configure(accepting, false);
      assertThatThrownBy(() -> d.deserialize(topic, new RecordHeaders(), sealed))
          .hasMessageContaining(idOf(sealed).hex())
          .hasMessageContaining("not in the key registry");
    }
  }

  @Test
  void aReaderWithoutTheRegistryIsToldItNeedsOne() {
    byte[] sealed;
    try (EncryptingSerializer<String> ser = new EncryptingSerializer<>(new StringSerializer())) {
      ser.configure(producerProps(), false);
      sealed = ser.serialize("orders", new RecordHeaders(), value(2));
    }
    RecordHeaders marked = new RecordHeaders();
    marked.add(EncryptionHeaders.VALUE, "v1".getBytes(StandardCharsets.US_ASCII));
    try (DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>()) {
      d.configure(keys.properties(), false);
      assertThatThrownBy(() -> d.deserialize("orders", marked, sealed))
          .hasMessageContaining("'orders'")
          .hasMessageContaining("need a key registry");
    }
  }

  @Test
  void registryReferencesWithoutARegistryLocationAreRefusedAtConfigure() {
    Map<String, Object> p = producerProps();
    p.remove("pipeseal.registry");
    try (EncryptingSerializer<String> ser = new EncryptingSerializer<>(new StringSerializer())) {
      assertThatThrownBy(() -> ser.configure(p, false))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("pipeseal.registry");
    }
  }
}
