package dev.pipeseal.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pipeseal keys rewrap} on a key registry kept on a compacted Kafka topic: the CLI finds the
 * topic store through the registry module, rewraps every record, and the records already on the
 * data topic stay readable by a fresh consumer.
 */
class TopicRegistryCliTest {
  @TempDir Path dir;

  @Test
  void keysRewrapOnAKafkaRegistryKeepsTheTopicReadable() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start()) {
      LocalKeys keys = LocalKeys.create(dir.resolve("keys"), "orders");
      String registry = "_pipeseal_keys_cli";
      String topic = broker.createTopic("orders", 1, false);
      Map<String, Object> p = new HashMap<>(keys.properties());
      p.put("key.serializer", StringSerializer.class.getName());
      p.put("value.serializer", EncryptingSerializer.class.getName());
      p.put("pipeseal.value.serializer", StringSerializer.class.getName());
      p.put("pipeseal.master-key", "orders");
      p.put("pipeseal.key-references", "registry");
      p.put("pipeseal.registry", "kafka:" + registry);
      p.put("pipeseal.registry.kafka.bootstrap.servers", broker.bootstrap());
      p.put("pipeseal.dek.max-values", "100");
      int n = 300;
      try (KafkaProducer<String, String> producer = broker.producer(p)) {
        for (int i = 0; i < n; i++) {
          producer.send(new ProducerRecord<>(topic, "k" + i, "order-" + i));
        }
        producer.flush();
      }
      String newVersion;
      try (KmsBridge kms = KmsBridge.open(keys.properties())) {
        newVersion = kms.admin().orElseThrow().rotateKey("orders").currentVersion();
      }

      List<String> args =
          new ArrayList<>(
              List.of(
                  "keys",
                  "rewrap",
                  "--registry",
                  "kafka:" + registry,
                  "--conf",
                  "pipeseal.registry.kafka.bootstrap.servers=" + broker.bootstrap()));
      keys.properties()
          .forEach(
              (k, v) -> {
                if (k.equals("pipeseal.kms.uri")) {
                  args.addAll(List.of("--kms", v));
                } else if (!k.equals("pipeseal.kms.provider.create")) {
                  args.addAll(List.of("--conf", k + "=" + v));
                }
              });
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code =
          PipesealCli.run(
              args.toArray(String[]::new),
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8));
      assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();

      try (KeyRegistry fresh =
          KeyRegistries.open(
              "kafka:" + registry,
              Map.of("registry.kafka.bootstrap.servers", broker.bootstrap()))) {
        List<KeyId> ids = fresh.ids().toList();
        assertThat(ids).hasSizeGreaterThanOrEqualTo(3); // a new DEK every 100 values
        for (KeyId id : ids) {
          assertThat(fresh.read(id).orElseThrow().wrapped().masterKeyVersion())
              .isEqualTo(newVersion);
        }
      }

      Map<String, Object> c = new HashMap<>(keys.properties());
      c.put("key.deserializer", StringDeserializer.class.getName());
      c.put("value.deserializer", DecryptingDeserializer.class.getName());
      c.put("pipeseal.value.deserializer", StringDeserializer.class.getName());
      c.put("pipeseal.registry", "kafka:" + registry);
      c.put("pipeseal.registry.kafka.bootstrap.servers", broker.bootstrap());
      int count = 0;
      try (KafkaConsumer<String, String> consumer = broker.consumer(c)) {
        for (ConsumerRecord<String, String> r : KafkaBroker.drain(consumer, topic, n)) {
          assertThat(r.value()).isEqualTo("order-" + r.key().substring(1));
          count++;
        }
      }
      assertThat(count).isEqualTo(n);
    }
  }
}
