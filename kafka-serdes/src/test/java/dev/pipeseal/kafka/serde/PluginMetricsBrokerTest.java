package dev.pipeseal.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Monitorable serdes' counters in the clients' own {@code metrics()} (KIP-877 plugin metrics),
 * after producing to and consuming from a real broker, a tampered record included.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PluginMetricsBrokerTest {
  @TempDir static Path dir;
  private KafkaBroker broker;
  private LocalKeys keys;

  @BeforeAll
  void start() {
    broker = KafkaBroker.start();
    keys = LocalKeys.create(dir.resolve("keys"), "metered");
  }

  @AfterAll
  void stop() throws Exception {
    broker.close();
  }

  /** The value of plugin metric {@code name} of the value (de)serializer with {@code tags}. */
  private static double plugin(
      Map<MetricName, ? extends Metric> metrics, String config, String name, String... tags) {
    List<Double> found = new ArrayList<>();
    metrics.forEach(
        (n, m) -> {
          if (!n.group().equals("plugins")
              || !n.name().equals(name)
              || !config.equals(n.tags().get("config"))) {
            return;
          }
          for (int i = 0; i < tags.length; i += 2) {
            if (!tags[i + 1].equals(n.tags().get(tags[i]))) {
              return;
            }
          }
          found.add(((Number) m.metricValue()).doubleValue());
        });
    assertThat(found).as("plugin metric %s %s of %s", name, List.of(tags), config).hasSize(1);
    return found.get(0);
  }

  @Test
  void producerAndConsumerMetricsCountRecordsKmsCallsAndTamperedRecords() throws Exception {
    String topic = broker.createTopic("metered", 1, false);
    int n = 40;
    Map<String, Object> pp = new HashMap<>(keys.properties());
    pp.put("key.serializer", StringSerializer.class.getName());
    pp.put("value.serializer", MonitorableEncryptingSerializer.class.getName());
    pp.put("pipeseal.serializer", StringSerializer.class.getName());
    pp.put("pipeseal.master-key", "metered");
    pp.put("pipeseal.dek.max-values", "15"); // three DEK generations
    try (KafkaProducer<String, String> producer = broker.producer(pp)) {
      for (int i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, "k" + i, "secret-" + i));
      }
      producer.flush();
      var m = producer.metrics();
      assertThat(plugin(m, "value.serializer", "records-encrypted-total")).isEqualTo(n);
      assertThat(plugin(m, "value.serializer", "kms-calls-total", "operation", "generate"))
          .isGreaterThanOrEqualTo(3);
      assertThat(plugin(m, "value.serializer", "kms-failures-total", "operation", "generate"))
          .isZero();
      assertThat(plugin(m, "value.serializer", "kms-unavailable-total")).isZero();
    }

    Map<String, Object> cp = new HashMap<>(keys.properties());
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", MonitorableDecryptingDeserializer.class.getName());
    cp.put("pipeseal.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = broker.consumer(cp)) {
      List<ConsumerRecord<String, String>> read = KafkaBroker.drain(consumer, topic, n);
      assertThat(read).hasSize(n);
      read.forEach(r -> assertThat(r.value()).isEqualTo("secret-" + r.key().substring(1)));
      var m = consumer.metrics();
      for (String kind : List.of("authentication_failed", "unknown_key", "kms_unavailable")) {
        assertThat(plugin(m, "value.deserializer", "decrypt-failures-total", "kind", kind))
            .isZero();
      }
      assertThat(plugin(m, "value.deserializer", "kms-calls-total", "operation", "unwrap"))
          .isGreaterThanOrEqualTo(3);
      assertThat(
              plugin(m, "value.deserializer", "kms-cache-hits-total")
                  + plugin(m, "value.deserializer", "kms-cache-misses-total"))
          .isGreaterThanOrEqualTo(3);

      // An attacker (or a broken proxy) flips one bit of a stored record's tag and re-appends it,
      // headers and all: the consumer fails on it, and it counts as an authentication failure.
      // (The consumer is at the end of the log, so its next poll parses that record alone, once;
      // a failing record behind others in one fetch is parsed again on each poll until the
      // application seeks past it, and counts each time.)
      ConsumerRecord<byte[], byte[]> original = broker.readRaw(topic, n).get(7);
      byte[] tampered = original.value().clone();
      tampered[tampered.length - 1] ^= 1;
      Map<String, Object> raw = new HashMap<>();
      raw.put("key.serializer", ByteArraySerializer.class.getName());
      raw.put("value.serializer", ByteArraySerializer.class.getName());
      try (KafkaProducer<byte[], byte[]> producer = broker.producer(raw)) {
        producer
            .send(
                new ProducerRecord<byte[], byte[]>(
                    topic, (Integer) null, original.key(), tampered, original.headers()))
            .get();
      }
      RecordDeserializationException failure = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (failure == null && System.nanoTime() < deadline) {
        try {
          assertThat(consumer.poll(Duration.ofMillis(200))).isEmpty();
        } catch (RecordDeserializationException e) {
          failure = e;
        }
      }
      assertThat(failure).isNotNull();
      assertThat(failure.offset()).isEqualTo(n);
      consumer.seek(failure.topicPartition(), failure.offset() + 1);
      m = consumer.metrics();
      assertThat(
              plugin(
                  m,
                  "value.deserializer",
                  "decrypt-failures-total",
                  "kind",
                  "authentication_failed"))
          .isEqualTo(1);
      assertThat(plugin(m, "value.deserializer", "decrypt-failures-total", "kind", "unknown_key"))
          .isZero();
    }
  }
}
