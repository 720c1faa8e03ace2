package dev.pipeseal.registry.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.envelope.KeyReferenceKind;
import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.kafka.serde.EncryptionHeaders;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.registry.RegistryConfig;
import dev.pipeseal.registry.rotation.RegistryRewrapper;
import dev.pipeseal.registry.rotation.RewrapReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry on a compacted topic, on a real broker: compact records written through it and read
 * by fresh consumers, the write-before-record order, unknown ids, rewrap, racing writers, and the
 * topic checks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TopicRegistryStoreTest {
  // version, algorithm, kind, length varint, 8-byte id, then XAES nonce (24) and tag (16).
  private static final int COMPACT_OVERHEAD = 4 + KeyId.LENGTH_BYTES + 24 + 16;

  @TempDir static Path dir;
  private KafkaBroker broker;
  private LocalKeys keys;

  @BeforeAll
  void start() {
    broker = KafkaBroker.start();
    keys = LocalKeys.create(dir.resolve("keys"), "orders");
  }

  @AfterAll
  void stop() throws Exception {
    broker.close();
  }

  private static String registryTopic(String name) {
    return "_pipeseal_keys_" + name;
  }

  private Map<String, String> registryOptions() {
    return Map.of("registry.kafka.bootstrap.servers", broker.bootstrap());
  }

  private KeyRegistry openRegistry(String registryTopic) {
    return KeyRegistries.open("kafka:" + registryTopic, registryOptions());
  }

  private Map<String, Object> producerProps(String registryTopic) {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("value.serializer", EncryptingSerializer.class.getName());
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("pipeseal.value.serializer", StringSerializer.class.getName());
    p.put("pipeseal.master-key", "orders");
    p.put("pipeseal.key-references", "registry");
    p.put("pipeseal.registry", "kafka:" + registryTopic);
    p.put("pipeseal.registry.kafka.bootstrap.servers", broker.bootstrap());
    p.put("pipeseal.dek.max-values", "250"); // several DEKs, hence several ids
    return p;
  }

  /** A consumer that has only the KMS settings and the registry location. */
  private Map<String, Object> consumerProps(String registryTopic) {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", DecryptingDeserializer.class.getName());
    p.put("pipeseal.value.deserializer", StringDeserializer.class.getName());
    p.put("pipeseal.registry", "kafka:" + registryTopic);
    p.put("pipeseal.registry.kafka.bootstrap.servers", broker.bootstrap());
    return p;
  }

  private static String value(int i) {
    return "order-" + i + " {\"amount\": " + i * 3 + "}";
  }

  private static KeyId idOf(byte[] envelope) {
    return KeyId.fromBytes(Arrays.copyOfRange(envelope, 4, 4 + KeyId.LENGTH_BYTES));
  }

  private int consumeAndCheck(String topic, String registryTopic, int n) {
    int count = 0;
    try (KafkaConsumer<String, String> consumer = broker.consumer(consumerProps(registryTopic))) {
      for (ConsumerRecord<String, String> r : KafkaBroker.drain(consumer, topic, n)) {
        assertThat(r.value()).isEqualTo(value(Integer.parseInt(r.key().substring(1))));
        count++;
      }
    }
    return count;
  }

  @Test
  void compactRecordsNameKeysOnTheTopicAndAFreshConsumerDecryptsThem() throws Exception {
    String registry = registryTopic("roundtrip");
    String topic = broker.createTopic("orders", 2, false);
    int n = 1000;
    try (KafkaProducer<String, String> producer = broker.producer(producerProps(registry))) {
      // The first record is acknowledged alone: its key must already be on the registry topic.
      producer.send(new ProducerRecord<>(topic, "k0", value(0))).get();
      byte[] first = broker.readRaw(topic, 1).get(0).value();
      try (KeyRegistry fresh = openRegistry(registry)) {
        assertThat(fresh.read(idOf(first))).isPresent();
      }
      for (int i = 1; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, value(i)));
      }
      producer.flush();
    }
    Set<KeyId> ids = new LinkedHashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : broker.readRaw(topic, n)) {
      byte[] v = r.value();
      assertThat(v[2]).isEqualTo((byte) KeyReferenceKind.REGISTRY_KEY_ID.id());
      int plain =
          value(Integer.parseInt(new String(r.key(), StandardCharsets.UTF_8).substring(1)))
              .length();
      assertThat(v.length - plain).isEqualTo(COMPACT_OVERHEAD).isLessThanOrEqualTo(64);
      ids.add(idOf(v));
    }
    assertThat(ids).hasSizeGreaterThanOrEqualTo(4);
    assertThat(consumeAndCheck(topic, registry, n)).isEqualTo(n);

    // The store created its topic compacted, with one partition.
    TopicDescription d =
        broker.admin().describeTopics(List.of(registry)).allTopicNames().get().get(registry);
    assertThat(d.partitions()).hasSize(1);
    ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, registry);
    Config c = broker.admin().describeConfigs(List.of(res)).all().get().get(res);
    assertThat(c.get("cleanup.policy").value()).isEqualTo("compact");
    // Registry records on the topic: keyed by the registry path and a claim, valued by the record.
    // (one more DEK than the records name may be registered: the next one is fetched ahead)
    try (KeyRegistry fresh = openRegistry(registry)) {
      assertThat(fresh.ids().toList()).containsAll(ids);
    }
    List<ConsumerRecord<byte[], byte[]>> entries = broker.readRaw(registry, ids.size());
    assertThat(entries).hasSizeGreaterThanOrEqualTo(ids.size());
    for (ConsumerRecord<byte[], byte[]> e : entries) {
      String key = new String(e.key(), StandardCharsets.UTF_8);
      assertThat(key).matches("keys/[0-9a-f]{2}/[0-9a-f]{16}/1\\.json#[0-9a-f]{16}");
      assertThat(new String(e.value(), StandardCharsets.UTF_8))
          .startsWith("{\"rv\":1,\"id\":\"" + key.substring(8, 24) + "\",\"generation\":1,");
    }
  }

  @Test
  void aConsumerOpenedBeforeTheKeyWasWrittenReadsToTheEndAndFindsIt() throws Exception {
    String registry = registryTopic("late");
    String topic = broker.createTopic("late", 1, false);
    try (KafkaConsumer<String, String> consumer = broker.consumer(consumerProps(registry))) {
      consumer.subscribe(List.of(topic));
      consumer.poll(java.time.Duration.ofMillis(200)); // its registry view is empty now
      try (KafkaProducer<String, String> producer = broker.producer(producerProps(registry))) {
        for (int i = 0; i < 10; i++) {
          producer.send(new ProducerRecord<>(topic, "k" + i, value(i)));
        }
        producer.flush();
      }
      List<ConsumerRecord<String, String>> got = new ArrayList<>();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (got.size() < 10 && System.nanoTime() < deadline) {
        consumer.poll(java.time.Duration.ofMillis(200)).forEach(got::add);
      }
      assertThat(got).hasSize(10);
      for (ConsumerRecord<String, String> r : got) {
        assertThat(r.value()).isEqualTo(value(Integer.parseInt(r.key().substring(1))));
      }
    }
  }

  @Test
  void anUnknownIdFailsNamingTheRegistryTopicTheDataTopicAndTheId() {
    String registry = registryTopic("unknown");
    byte[] good;
    try (EncryptingSerializer<String> ser = new EncryptingSerializer<>(new StringSerializer())) {
      ser.configure(producerProps(registry), false);
      good = ser.serialize("payments", new RecordHeaders(), value(1));
    }
    byte[] bad = good.clone();
    bad[4 + 3] ^= 0x40; // one bit of the registry id
    String badHex = HexFormat.of().formatHex(bad, 4, 4 + KeyId.LENGTH_BYTES);
    RecordHeaders marked = new RecordHeaders();
    marked.add(EncryptionHeaders.VALUE, "v1".getBytes(StandardCharsets.US_ASCII));
    try (DecryptingDeserializer<String> d =
        new DecryptingDeserializer<>(new StringDeserializer())) {
      d.configure(consumerProps(registry), false);
      assertThat(d.deserialize("payments", marked, good)).isEqualTo(value(1));
      assertThatThrownBy(() -> d.deserialize("payments", marked, bad))
          .hasMessageContaining("'payments'")
          .hasMessageContaining(badHex)
          .hasMessageContaining("not in the key registry")
          .hasMessageContaining("kafka:" + registry)
          .hasMessageNotContaining("order-");
    }
  }

  @Test
  void keysRewrapOverTheTopicStoreKeepsOldRecordsReadable() throws Exception {
    String registry = registryTopic("rewrap");
    String topic = broker.createTopic("rewrap", 1, false);
    int n = 600;
    try (KafkaProducer<String, String> producer = broker.producer(producerProps(registry))) {
      for (int i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, value(i)));
      }
      producer.flush();
    }
    String newVersion;
    try (KmsBridge kms = KmsBridge.open(keys.properties());
        KeyRegistry reg = openRegistry(registry)) {
      newVersion = kms.admin().orElseThrow().rotateKey("orders").currentVersion();
      // The engine of `pipeseal keys rewrap` and `rotate --registry`.
      RewrapReport report = new RegistryRewrapper(kms, reg, null, false, 50, p -> {}).run();
      assertThat(report.complete()).isTrue();
      assertThat(report.rewrapped()).isGreaterThanOrEqualTo(3);
      assertThat(reg.compact()).isGreaterThanOrEqualTo(3); // generation 1 of each, tombstoned
    }
    try (KeyRegistry fresh = openRegistry(registry)) {
      List<KeyId> ids = fresh.ids().toList();
      assertThat(ids).hasSizeGreaterThanOrEqualTo(3);
      for (KeyId id : ids) {
        RegistryRecord r = fresh.read(id).orElseThrow();
        assertThat(r.generation()).isEqualTo(2);
        assertThat(r.wrapped().masterKeyVersion()).isEqualTo(newVersion);
      }
    }
    assertThat(consumeAndCheck(topic, registry, n)).isEqualTo(n);
  }

  @Test
  void racingWritersOfOneEntryAgreeOnTheFirstClaim() throws Exception {
    String registry = registryTopic("race");
    RegistryConfig rc = RegistryConfig.parse("kafka:" + registry, registryOptions());
    int entries = 40;
    List<KeyId> ids = new ArrayList<>();
    for (int i = 0; i < entries; i++) {
      ids.add(KeyId.random());
    }
    try (TopicRegistryStore a = new TopicRegistryStore(TopicStoreConfig.parse(rc));
        TopicRegistryStore b = new TopicRegistryStore(TopicStoreConfig.parse(rc))) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<List<Integer>>> won = new ArrayList<>();
        TopicRegistryStore[] stores = {a, b, a, b};
        for (int w = 0; w < 4; w++) {
          TopicRegistryStore s = stores[w];
          byte[] mine = ("writer-" + w).getBytes(StandardCharsets.US_ASCII);
          int writer = w;
          Callable<List<Integer>> task =
              () -> {
                List<Integer> wins = new ArrayList<>();
                for (int i = 0; i < entries; i++) {
                  if (s.createIfAbsent(ids.get(i), 1, mine)) {
                    wins.add(i * 4 + writer);
                  }
                }
                return wins;
              };
          won.add(pool.submit(task));
        }
        Map<Integer, Integer> winnerOf = new HashMap<>();
        for (Future<List<Integer>> f : won) {
          for (int code : f.get()) {
            assertThat(winnerOf.put(code / 4, code % 4))
                .as("entry %s won twice", code / 4)
                .isNull();
          }
        }
        assertThat(winnerOf).hasSize(entries);
        try (TopicRegistryStore fresh = new TopicRegistryStore(TopicStoreConfig.parse(rc))) {
          for (int i = 0; i < entries; i++) {
            byte[] expected = ("writer-" + winnerOf.get(i)).getBytes(StandardCharsets.US_ASCII);
            assertThat(a.read(ids.get(i), 1)).contains(expected);
            assertThat(b.read(ids.get(i), 1)).contains(expected);
            assertThat(fresh.read(ids.get(i), 1)).contains(expected);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void twoProducersRegisteringConcurrentlyNeverShareAnId() throws Exception {
    String registry = registryTopic("alloc");
    WrappedKey w1;
    WrappedKey w2;
    try (KmsBridge kms = KmsBridge.open(keys.properties())) {
      try (DataKeyPair p1 = kms.generateDataKey("orders").toCompletableFuture().get();
          DataKeyPair p2 = kms.generateDataKey("orders").toCompletableFuture().get()) {
        w1 = p1.wrapped();
        w2 = p2.wrapped();
      }
    }
    int each = 60;
    try (KeyRegistry a = openRegistry(registry);
        KeyRegistry b = openRegistry(registry)) {
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<List<KeyId>> fa = pool.submit(() -> register(a, w1, each));
        Future<List<KeyId>> fb = pool.submit(() -> register(b, w2, each));
        List<KeyId> ia = fa.get();
        List<KeyId> ib = fb.get();
        Set<KeyId> all = new LinkedHashSet<>(ia);
        all.addAll(ib);
        assertThat(all).hasSize(2 * each);
        try (KeyRegistry fresh = openRegistry(registry)) {
          assertThat(fresh.ids()).hasSize(2 * each);
          for (KeyId id : ia) {
            assertThat(fresh.read(id).orElseThrow().wrapped()).isEqualTo(w1);
          }
          for (KeyId id : ib) {
            assertThat(fresh.read(id).orElseThrow().wrapped()).isEqualTo(w2);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static List<KeyId> register(KeyRegistry r, WrappedKey w, int n) {
    List<KeyId> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(r.register(w));
    }
    return out;
  }

  @Test
  void aTopicThatWouldDeleteKeysOrSplitTheirOrderIsRefused() {
    String deleting = broker.createTopic("deleting", 1, false);
    assertThatThrownBy(() -> openRegistry(deleting))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("kafka:" + deleting)
        .hasMessageContaining("cleanup.policy=delete")
        .hasMessageContaining("must be compact");
    String split = broker.createTopic("split", 2, true);
    assertThatThrownBy(() -> openRegistry(split))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("has 2 partitions");
  }

  @Test
  void aMissingTopicIsAnErrorWhenCreationIsOff() {
    Map<String, String> o = new HashMap<>(registryOptions());
    o.put("registry.kafka.topic.create", "false");
    assertThatThrownBy(() -> KeyRegistries.open("kafka:" + registryTopic("absent"), o))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("'" + registryTopic("absent") + "' does not exist");
  }

  @Test
  void settingsAreCheckedAndPasswordsAreNeverInline() {
    Map<String, String> o = new HashMap<>(registryOptions());
    o.put(
        "registry.kafka.sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule"
            + " required username=\"u\" password=\"hunter2\";");
    assertThatThrownBy(() -> KeyRegistries.open("kafka:" + registryTopic("pw"), o))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("registry.kafka.sasl.jaas.config")
        .hasMessageNotContaining("hunter2");
    assertThat(RegistryConfig.parse("kafka:t", o).toString()).doesNotContain("hunter2");
    Map<String, String> acks = new HashMap<>(registryOptions());
    acks.put("registry.kafka.acks", "1");
    assertThatThrownBy(() -> KeyRegistries.open("kafka:" + registryTopic("acks"), acks))
        .hasMessageContaining("registry.kafka.acks")
        .hasMessageContaining("cannot be changed");
    Map<String, String> typo = new HashMap<>(registryOptions());
    typo.put("registry.kafka.bootstrap.server", "x:1");
    assertThatThrownBy(() -> KeyRegistries.open("kafka:" + registryTopic("typo"), typo))
        .hasMessageContaining("unknown property 'registry.kafka.bootstrap.server'");
    assertThatThrownBy(() -> KeyRegistries.open("kafka:" + registryTopic("nobootstrap"), Map.of()))
        .hasMessageContaining("registry.kafka.bootstrap.servers");
  }

  @Test
  void theBootstrapServersMayComeWithTheLocation() {
    String registry = registryTopic("query");
    try (KeyRegistry r =
        KeyRegistries.open(
            "kafka://" + registry + "?bootstrap.servers=" + broker.bootstrap(), Map.of())) {
      assertThat(r.ids()).isEmpty();
      assertThat(r.toString()).contains("kafka:" + registry);
    }
  }
}
