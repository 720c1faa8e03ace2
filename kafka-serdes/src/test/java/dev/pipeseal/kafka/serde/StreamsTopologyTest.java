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
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** A Streams topology reading and writing encrypted topics through EncryptingSerde. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamsTopologyTest {
  @TempDir static Path dir;
  private KafkaBroker broker;
  private LocalKeys keys;
  private String keyDek;

  @BeforeAll
  void start() {
    broker = KafkaBroker.start();
    keys = LocalKeys.create(dir.resolve("keys"), "events");
    keyDek = keys.newDeterministicDek("events");
  }

  @AfterAll
  void stop() throws Exception {
    broker.close();
  }

  private Map<String, Object> pipeseal() {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("pipeseal.master-key", "events");
    p.put("pipeseal.key.deterministic.dek", keyDek);
    return p;
  }

  @Test
  void topologyDecryptsTransformsAndReencrypts() throws Exception {
    String in = broker.createTopic("events-in", 2, false);
    String out = broker.createTopic("events-out", 2, false);
    Map<String, Object> pp = pipeseal();
    pp.put("key.serializer", EncryptingSerializer.class.getName());
    pp.put("value.serializer", EncryptingSerializer.class.getName());
    pp.put("pipeseal.serializer", StringSerializer.class.getName());
    int n = 500;
    try (KafkaProducer<String, String> producer = broker.producer(pp)) {
      for (int i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(in, "k" + i, "event " + i));
      }
      producer.flush();
    }
    // One record that cannot be decrypted; this application chose to log and continue.
    Map<String, Object> rawProps = new HashMap<>();
    rawProps.put("key.serializer", ByteArraySerializer.class.getName());
    rawProps.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = broker.producer(rawProps)) {
      ProducerRecord<byte[], byte[]> bad =
          new ProducerRecord<>(in, 0, new byte[] {1}, new byte[] {1, 2, 3});
      bad.headers().add(EncryptionHeaders.VALUE, "v1".getBytes());
      bad.headers().add(EncryptionHeaders.KEY, "v1".getBytes());
      producer.send(bad);
      producer.flush();
    }

    Properties sp = new Properties();
    sp.putAll(pipeseal());
    sp.put(StreamsConfig.APPLICATION_ID_CONFIG, "app-" + System.nanoTime());
    sp.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    sp.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    sp.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, EncryptingSerde.class.getName());
    sp.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, EncryptingSerde.class.getName());
    sp.put("pipeseal.serde", Serdes.StringSerde.class.getName());
    sp.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class.getName());
    sp.put("consumer.auto.offset.reset", "earliest");
    sp.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
    StreamsBuilder b = new StreamsBuilder();
    b.<String, String>stream(in).mapValues(v -> v.toUpperCase()).to(out);
    try (KafkaStreams streams = new KafkaStreams(b.build(), sp)) {
      streams.start();
      Map<String, Object> cp = pipeseal();
      cp.put("key.deserializer", DecryptingDeserializer.class.getName());
      cp.put("value.deserializer", DecryptingDeserializer.class.getName());
      cp.put("pipeseal.deserializer", StringDeserializer.class.getName());
      List<ConsumerRecord<String, String>> got;
      try (KafkaConsumer<String, String> consumer = broker.consumer(cp)) {
        got = new ArrayList<>(KafkaBroker.drain(consumer, out, n));
        // Nothing beyond the good records arrives (the bad one was skipped by the handler).
        consumer.poll(Duration.ofSeconds(1)).forEach(got::add);
      }
      assertThat(got).hasSize(n);
      for (ConsumerRecord<String, String> r : got) {
        assertThat(r.value()).isEqualTo("EVENT " + r.key().substring(1));
      }
    }
    for (ConsumerRecord<byte[], byte[]> r : broker.readRaw(out, n)) {
      assertThat(new String(r.value(), java.nio.charset.StandardCharsets.ISO_8859_1))
          .doesNotContain("EVENT");
    }
  }
}
