package dev.pipeseal.kafka.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A producer and a consumer in child JVMs whose class path is kafka-clients (with SLF4J, which
 * kafka-clients needs) and the pipeseal-kafka jar, configured only by client properties, as with
 * the console tools' {@code --producer.config} and a {@code CLASSPATH} entry.
 */
class KafkaBundleIT {
  @TempDir static Path dir;
  static KafkaBroker broker;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void clientsOnTheBundleAloneEncryptAndDecryptThroughTheBroker() throws Exception {
    LocalKeys keys = LocalKeys.create(dir.resolve("keys"), "pii");
    String topic = broker.createTopic("bundle", 1, false);

    Properties producer = new Properties();
    producer.putAll(keys.properties());
    producer.remove("pipeseal.kms.provider.create");
    producer.put("bootstrap.servers", broker.bootstrap());
    producer.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    producer.put("value.serializer", "dev.pipeseal.kafka.serde.EncryptingSerializer");
    producer.put("pipeseal.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    producer.put("pipeseal.master-key", "pii");
    Path producerConfig = write("producer.properties", producer);

    Child produced = child("producer", "example.PropertiesProducer", producerConfig, topic, 20);
    assertThat(produced.exitCode).as(produced.toString()).isZero();
    assertThat(produced.output).contains("PRODUCED 20");

    // On the wire: no value in plaintext.
    List<byte[]> raw = rawValues(topic, 20);
    assertThat(raw).hasSize(20);
    for (byte[] v : raw) {
      assertThat(new String(v, StandardCharsets.ISO_8859_1)).doesNotContain("value-");
    }

    Properties consumer = new Properties();
    consumer.putAll(keys.properties());
    consumer.remove("pipeseal.kms.provider.create");
    consumer.put("bootstrap.servers", broker.bootstrap());
    consumer.put("group.id", "bundle-test");
    consumer.put("auto.offset.reset", "earliest");
    consumer.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    consumer.put("value.deserializer", "dev.pipeseal.kafka.serde.DecryptingDeserializer");
    consumer.put(
        "pipeseal.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    Path consumerConfig = write("consumer.properties", consumer);

    Child consumed = child("consumer", "example.PropertiesConsumer", consumerConfig, topic, 20);
    assertThat(consumed.exitCode).as(consumed.toString()).isZero();
    assertThat(consumed.output).contains("CONSUMED 20 expected=20");
  }

  @Test
  void compactRecordsWithTheRegistryOnACompactedTopicNeedOnlyTheBundle() throws Exception {
    LocalKeys keys = LocalKeys.create(dir.resolve("compact-keys"), "pii");
    String topic = broker.createTopic("bundle-compact", 1, false);
    String registry = "_pipeseal_keys_bundle";

    Properties producer = new Properties();
    producer.putAll(keys.properties());
    producer.remove("pipeseal.kms.provider.create");
    producer.put("bootstrap.servers", broker.bootstrap());
    producer.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    producer.put("value.serializer", "dev.pipeseal.kafka.serde.EncryptingSerializer");
    producer.put("pipeseal.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    producer.put("pipeseal.master-key", "pii");
    producer.put("pipeseal.key-references", "registry");
    producer.put("pipeseal.registry", "kafka:" + registry);
    producer.put("pipeseal.registry.kafka.bootstrap.servers", broker.bootstrap());
    Path producerConfig = write("compact-producer.properties", producer);

    Child produced =
        child("compact-producer", "example.PropertiesProducer", producerConfig, topic, 20);
    assertThat(produced.exitCode).as(produced.toString()).isZero();

    // 12 header bytes with the 8-byte registry id, 24 nonce, 16 tag: 52 bytes per record.
    List<byte[]> raw = rawValues(topic, 20);
    assertThat(raw).hasSize(20);
    for (byte[] v : raw) {
      assertThat(v.length - "value-0".length()).isBetween(52, 52 + 1); // value-0 .. value-19
    }

    // A consumer in another fresh JVM, with only the KMS settings and the registry location.
    Properties consumer = new Properties();
    consumer.putAll(keys.properties());
    consumer.remove("pipeseal.kms.provider.create");
    consumer.put("bootstrap.servers", broker.bootstrap());
    consumer.put("group.id", "bundle-compact-test");
    consumer.put("auto.offset.reset", "earliest");
    consumer.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    consumer.put("value.deserializer", "dev.pipeseal.kafka.serde.DecryptingDeserializer");
    consumer.put(
        "pipeseal.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    consumer.put("pipeseal.registry", "kafka:" + registry);
    consumer.put("pipeseal.registry.kafka.bootstrap.servers", broker.bootstrap());
    Path consumerConfig = write("compact-consumer.properties", consumer);

    Child consumed =
        child("compact-consumer", "example.PropertiesConsumer", consumerConfig, topic, 20);
    assertThat(consumed.exitCode).as(consumed.toString()).isZero();
    assertThat(consumed.output).contains("CONSUMED 20 expected=20");
  }

  private static List<byte[]> rawValues(String topic, int n) {
    List<byte[]> values = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(
            Map.of(
                "bootstrap.servers", broker.bootstrap(),
                "group.id", "raw",
                "auto.offset.reset", "earliest"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      c.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (values.size() < n && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          values.add(r.value());
        }
      }
    }
    return values;
  }

  private static Path write(String name, Properties p) throws IOException {
    Path f = dir.resolve(name);
    try (var out = Files.newOutputStream(f)) {
      p.store(out, null);
    }
    return f;
  }

  record Child(int exitCode, String output, Path log) {}

  private static Child child(String name, String main, Path config, String topic, int n)
      throws IOException, InterruptedException {
    String cp =
        String.join(
            java.io.File.pathSeparator,
            property("client.classes"),
            property("kafka.clients.jar"),
            property("slf4j.api.jar"),
            property("bundle.jar"));
    Path log = dir.resolve(name + ".log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                cp,
                main,
                config.toString(),
                topic,
                Integer.toString(n))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(name + " timed out; log " + log);
    }
    return new Child(p.exitValue(), Files.readString(log), log);
  }

  private static String property(String name) {
    String v = System.getProperty(name);
    if (v == null || !Files.exists(Path.of(v))) {
      throw new IllegalStateException(name + " not set or missing: " + v);
    }
    return v;
  }
}
