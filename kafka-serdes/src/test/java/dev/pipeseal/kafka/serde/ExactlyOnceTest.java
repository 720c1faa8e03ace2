package dev.pipeseal.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once delivery through the encrypting serde: transactions (committed, aborted, a producer
 * JVM killed mid-transaction, a zombie fenced by its replacement) read back with {@code
 * read_committed}, and a Kafka Streams {@code exactly_once_v2} topology whose processing crashes
 * mid-transaction. Every record is counted: none lost, none twice, no aborted record among the
 * results.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExactlyOnceTest {
  @TempDir static Path dir;
  private KafkaBroker broker;
  private LocalKeys keys;
  private String keyDek;

  @BeforeAll
  void start() {
    broker = KafkaBroker.start();
    keys = LocalKeys.create(dir.resolve("keys"), "orders");
    keyDek = keys.newDeterministicDek("orders");
  }

  @AfterAll
  void stop() throws Exception {
    broker.close();
  }

  /** The value of record {@code i}, naming the writer that sent it (so aborted ones show). */
  static String value(int i, String writer) {
    return "order-" + i + "/" + writer + " {\"amount\": " + (i * 7 % 1000) + "}";
  }

  private static int id(String value) {
    return Integer.parseInt(value.substring(6, value.indexOf('/')));
  }

  private static String writer(String value) {
    return value.substring(value.indexOf('/') + 1, value.indexOf(' '));
  }

  private Map<String, Object> kms() {
    Map<String, Object> p = new HashMap<>(keys.properties());
    p.put("pipeseal.master-key", "orders");
    return p;
  }

  private KafkaProducer<String, String> transactional(String id) {
    Map<String, Object> p = kms();
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", EncryptingSerializer.class.getName());
    p.put("pipeseal.serializer", StringSerializer.class.getName());
    KafkaProducer<String, String> producer = broker.producer(p);
    producer.initTransactions();
    return producer;
  }

  private static void send(
      KafkaProducer<String, String> p, String topic, int from, int to, String writer) {
    for (int i = from; i < to; i++) {
      p.send(new ProducerRecord<>(topic, Integer.toString(i), value(i, writer)));
    }
  }

  @Test
  void transactionsThroughTheSerdeDeliverEachCommittedRecordOnceAndNoAbortedOne() throws Exception {
    String topic = broker.createTopic("tx-orders", 3, false);
    String txId = "orders-" + System.nanoTime();

    // 0..99 committed; 100..149 aborted by the application.
    try (KafkaProducer<String, String> p = transactional(txId)) {
      p.beginTransaction();
      send(p, topic, 0, 100, "committed");
      p.commitTransaction();
      p.beginTransaction();
      send(p, topic, 100, 150, "aborted");
      p.flush();
      p.abortTransaction();
    }

    // 150..249: the producer JVM dies with its transaction open and its records in the log.
    Process child =
        CrashingTransactionalProducer.start(broker.bootstrap(), txId, topic, 150, 250, kms());
    List<String> childOutput = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        childOutput.add(line);
      }
    }
    assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(child.exitValue()).as(String.join("\n", childOutput)).isEqualTo(137);
    assertThat(childOutput).contains(CrashingTransactionalProducer.SENT);
    // Its restart (same transactional.id) aborts the open transaction and sends the batch again.
    try (KafkaProducer<String, String> p = transactional(txId)) {
      p.beginTransaction();
      send(p, topic, 150, 250, "restarted");
      p.commitTransaction();
    }

    // 250..299: a zombie is fenced by its replacement mid-transaction; the replacement redoes it.
    String zombieId = txId + "-zombie";
    try (KafkaProducer<String, String> zombie = transactional(zombieId)) {
      zombie.beginTransaction();
      send(zombie, topic, 250, 300, "zombie");
      zombie.flush();
      try (KafkaProducer<String, String> replacement = transactional(zombieId)) {
        assertThatThrownBy(zombie::commitTransaction).isInstanceOf(ProducerFencedException.class);
        replacement.beginTransaction();
        send(replacement, topic, 250, 300, "replacement");
        replacement.commitTransaction();
      }
    }

    // read_committed: exactly 0..99 and 150..299 (100..149 were aborted and never redone), once
    // each, and only from committed transactions.
    List<String> committed = readToEnd(topic, "read_committed");
    Map<Integer, Long> perId =
        committed.stream()
            .collect(Collectors.groupingBy(ExactlyOnceTest::id, Collectors.counting()));
    int lost = 0;
    int duplicated = 0;
    for (int i = 0; i < 300; i++) {
      long c = perId.getOrDefault(i, 0L);
      if (i >= 100 && i < 150) {
        assertThat(c).as("aborted record %d among committed results", i).isZero();
        continue;
      }
      lost += c == 0 ? 1 : 0;
      duplicated += c > 1 ? (int) (c - 1) : 0;
    }
    Map<String, Long> writers = countByWriter(committed);
    System.out.printf(
        "EXACTLY-ONCE transactions: read_committed=%d distinct=%d lost=%d duplicated=%d writers=%s%n",
        committed.size(), perId.size(), lost, duplicated, writers);
    assertThat(lost).isZero();
    assertThat(duplicated).isZero();
    assertThat(committed).hasSize(250);
    assertThat(writers.keySet()).containsOnly("committed", "restarted", "replacement");
    for (String v : committed) {
      assertThat(v).isEqualTo(value(id(v), writer(v)));
    }

    // read_uncommitted sees the aborted records too, and they still authenticate and decrypt:
    // abort markers are Kafka's, the envelope does not know about transactions. Isolation is
    // what keeps them out of results.
    List<String> uncommitted = readToEnd(topic, "read_uncommitted");
    Map<String, Long> all = countByWriter(uncommitted);
    System.out.printf(
        "EXACTLY-ONCE transactions: read_uncommitted=%d writers=%s%n", uncommitted.size(), all);
    assertThat(all)
        .containsEntry("committed", 100L)
        .containsEntry("aborted", 50L)
        .containsEntry("crashed", 100L)
        .containsEntry("restarted", 100L)
        .containsEntry("zombie", 50L)
        .containsEntry("replacement", 50L);
    for (String v : uncommitted) {
      assertThat(v).isEqualTo(value(id(v), writer(v)));
    }
    // On the log itself every record, aborted or not, is an envelope.
    for (ConsumerRecord<byte[], byte[]> r : broker.readRaw(topic, 450)) {
      assertThat(r.value()[0]).isEqualTo((byte) Envelope.VERSION_2);
      assertThat(new String(r.value(), StandardCharsets.ISO_8859_1)).doesNotContain("order-");
    }
  }

  private static final AtomicInteger PROCESSED = new AtomicInteger();
  private static final AtomicBoolean CRASHED = new AtomicBoolean();

  @Test
  void streamsExactlyOnceV2TopologyCrashingMidTransactionLosesAndDuplicatesNothing()
      throws Exception {
    String in = broker.createTopic("eos-in", 3, false);
    String out = broker.createTopic("eos-out", 3, false);
    int n = 600;
    Map<String, Object> pp = kms();
    pp.put("pipeseal.key.deterministic.dek", keyDek);
    pp.put("key.serializer", EncryptingSerializer.class.getName());
    pp.put("value.serializer", EncryptingSerializer.class.getName());
    pp.put("pipeseal.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = broker.producer(pp)) {
      send(producer, in, 0, n, "input");
      producer.flush();
    }

    String app = "eos-" + System.nanoTime();
    Properties sp = new Properties();
    sp.putAll(kms());
    sp.put("pipeseal.key.deterministic.dek", keyDek);
    sp.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
    sp.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    sp.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
    sp.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    sp.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, EncryptingSerde.class.getName());
    sp.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, EncryptingSerde.class.getName());
    sp.put("pipeseal.serde", Serdes.StringSerde.class.getName());
    sp.put("consumer.auto.offset.reset", "earliest");
    sp.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "1000");
    sp.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
    // Streams consumers do not leave the group on close: the crashed thread's member holds its
    // partitions until its session expires, so keep that at the broker's minimum.
    sp.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), "6000");
    sp.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), "1000");
    StreamsBuilder b = new StreamsBuilder();
    PROCESSED.set(0);
    CRASHED.set(false);
    b.<String, String>stream(in)
        .mapValues(
            v -> {
              // Once, mid-run: the thread dies with output of this transaction already sent.
              if (PROCESSED.incrementAndGet() == n / 2 && CRASHED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected crash");
              }
              return value(id(v), "streamed");
            })
        .to(out);
    List<String> results;
    try (KafkaStreams streams = new KafkaStreams(b.build(), sp)) {
      streams.setUncaughtExceptionHandler(e -> StreamThreadExceptionResponse.REPLACE_THREAD);
      streams.start();
      awaitCommitted(app, in, n);
      results = readToEnd(out, "read_committed", pp);
    }
    assertThat(CRASHED).isTrue();
    Map<Integer, Long> perId =
        results.stream().collect(Collectors.groupingBy(ExactlyOnceTest::id, Collectors.counting()));
    int lost = 0;
    int duplicated = 0;
    for (int i = 0; i < n; i++) {
      long c = perId.getOrDefault(i, 0L);
      lost += c == 0 ? 1 : 0;
      duplicated += c > 1 ? (int) (c - 1) : 0;
    }
    List<String> uncommitted = readToEnd(out, "read_uncommitted", pp);
    System.out.printf(
        "EXACTLY-ONCE streams: input=%d processed=%d read_committed=%d lost=%d duplicated=%d"
            + " read_uncommitted=%d (aborted output of the crashed transaction: %d)%n",
        n,
        PROCESSED.get(),
        results.size(),
        lost,
        duplicated,
        uncommitted.size(),
        uncommitted.size() - results.size());
    assertThat(lost).isZero();
    assertThat(duplicated).isZero();
    assertThat(results).hasSize(n);
    for (String v : results) {
      assertThat(v).isEqualTo(value(id(v), "streamed"));
    }
    // The processor ran again over what the crashed transaction had read.
    assertThat(PROCESSED.get()).isGreaterThan(n);
    assertThat(uncommitted.size()).isGreaterThanOrEqualTo(n);
  }

  /** Waits until the application committed every input offset (or a minute passed). */
  private void awaitCommitted(String app, String topic, int n) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          broker.admin().listConsumerGroupOffsets(app).partitionsToOffsetAndMetadata().get();
      long done =
          offsets.entrySet().stream()
              .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
              .mapToLong(e -> e.getValue().offset())
              .sum();
      if (done >= n) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the streams application did not commit all " + n + " inputs");
  }

  private List<String> readToEnd(String topic, String isolation) {
    return readToEnd(topic, isolation, kms());
  }

  /**
   * Decrypts {@code topic} from the beginning up to its end offsets as this isolation level sees
   * them (the last stable offset for {@code read_committed}): a full, bounded read.
   */
  private List<String> readToEnd(String topic, String isolation, Map<String, Object> kms) {
    Map<String, Object> p = new HashMap<>(kms);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", DecryptingDeserializer.class.getName());
    p.put("pipeseal.deserializer", StringDeserializer.class.getName());
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<byte[], String> c = broker.consumer(p)) {
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("did not reach the end of " + topic);
        }
        for (ConsumerRecord<byte[], String> r : c.poll(Duration.ofMillis(200))) {
          out.add(r.value());
        }
      }
    }
    return out;
  }

  private static Map<String, Long> countByWriter(List<String> values) {
    return values.stream()
        .collect(
            Collectors.groupingBy(ExactlyOnceTest::writer, TreeMap::new, Collectors.counting()));
  }
}
