package dev.pipeseal.bench;

import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.kms.bridge.KmsBridge;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * {@code ./bench/run kafka [records] [rounds] [cases]}: encrypting serializer and decrypting
 * deserializer against plain byte-array clients, broker in this JVM, 1 KiB values. Plain and
 * encrypted runs alternate; each case reports the median of per-round ratios (ours/plain
 * throughput) and the median throughputs.
 */
final class KafkaBench {
  private static final int VALUE_BYTES = 1024;
  // -Dbench.kafka.partitions=N: with one partition the classic consumer fetches only after the
  // last fetch is drained, so fetch latency and record processing add up instead of overlapping.
  private static final int PARTITIONS = Integer.getInteger("bench.kafka.partitions", 1);

  private KafkaBench() {}

  static void run(String[] args) throws Exception {
    // The broker logs every topic creation at INFO; keep the output to BENCH lines.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    // Optional third argument: the cases to run, e.g. "consume" or "serialize,produce".
    String only = args.length > 2 ? args[2] : "serialize,deserialize,produce,consume";
    Path dir = Files.createTempDirectory("pipeseal-kafka-bench");
    Map<String, Object> kms = localKeys(dir);
    try (KafkaClusterTestKit cluster = startBroker();
        Admin admin = cluster.admin()) {
      String bootstrap = cluster.bootstrapServers();
      byte[][] values = values(4096);
      if (only.contains("serialize")) {
        serialize(kms, values, Math.max(records, 100_000), rounds);
      }
      if (only.contains("deserialize")) {
        deserialize(kms, values, Math.max(records, 100_000), rounds);
      }
      if (only.contains("produce")) {
        produce(admin, bootstrap, kms, values, records, rounds);
      }
      if (only.contains("consume")) {
        consume(admin, bootstrap, kms, values, records, rounds);
      }
    }
  }

  // --- serialize-1k ---------------------------------------------------------------------------

  private static void serialize(Map<String, Object> kms, byte[][] values, int n, int rounds) {
    String[] strings = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      strings[i] = new String(values[i], StandardCharsets.ISO_8859_1);
    }
    Map<String, Object> cfg = new HashMap<>(kms);
    cfg.put("pipeseal.value.serializer", StringSerializer.class.getName());
    try (EncryptingSerializer<String> ours = new EncryptingSerializer<>();
        StringSerializer inner = new StringSerializer()) {
      ours.configure(cfg, false);
      inner.configure(cfg, false);
      double[] ratio = new double[rounds];
      double[] oursNs = new double[rounds];
      double[] baseNs = new double[rounds];
      long sink = 0;
      for (int r = -2; r < rounds; r++) { // two warm-up rounds
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          sink += inner.serialize("bench", new RecordHeaders(), strings[i & 4095]).length;
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          sink += ours.serialize("bench", new RecordHeaders(), strings[i & 4095]).length;
        }
        long t2 = System.nanoTime();
        if (r >= 0) {
          baseNs[r] = (t1 - t0) / (double) n;
          oursNs[r] = (t2 - t1) / (double) n;
          ratio[r] = baseNs[r] / oursNs[r];
        }
      }
      report("kafka.serialize-1k", ratio, perSecond(oursNs), perSecond(baseNs), "records/s");
      BenchReport.value("kafka.serialize-1k.ours-ns", BenchReport.median(oursNs), "ns/record");
      BenchReport.value("kafka.serialize-1k.inner-ns", BenchReport.median(baseNs), "ns/record");
      if (sink == 42) {
        BenchReport.value("kafka.sink", sink, "bytes");
      }
    }
  }

  // --- deserialize-1k -------------------------------------------------------------------------

  /**
   * The deserializer alone on values at an offset inside one large buffer, as the consumer hands
   * them over from its fetch buffer, vs the inner {@code ByteArrayDeserializer} (which copies).
   */
  private static void deserialize(Map<String, Object> kms, byte[][] values, int n, int rounds) {
    Map<String, Object> cfg = new HashMap<>(kms);
    int count = values.length;
    ByteBuffer[] plain = new ByteBuffer[count];
    ByteBuffer[] sealed = new ByteBuffer[count];
    RecordHeaders[] marked = new RecordHeaders[count];
    try (EncryptingSerializer<byte[]> ser = new EncryptingSerializer<>();
        DecryptingDeserializer<byte[]> ours = new DecryptingDeserializer<>();
        ByteArrayDeserializer inner = new ByteArrayDeserializer()) {
      ser.configure(cfg, false);
      ours.configure(cfg, false);
      for (int i = 0; i < count; i++) {
        marked[i] = new RecordHeaders();
        plain[i] = inFetchBuffer(values[i]);
        sealed[i] = inFetchBuffer(ser.serialize("bench", marked[i], values[i]));
      }
      double[] ratio = new double[rounds];
      double[] oursNs = new double[rounds];
      double[] baseNs = new double[rounds];
      long sink = 0;
      for (int r = -2; r < rounds; r++) { // two warm-up rounds
        long t0 = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
          sink += inner.deserialize("bench", EMPTY, plain[i & (count - 1)].duplicate()).length;
        }
        long t1 = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
          int k = i & (count - 1);
          sink += ours.deserialize("bench", marked[k], sealed[k].duplicate()).length;
        }
        long t2 = THREADS.getCurrentThreadCpuTime();
        if (r >= 0) {
          baseNs[r] = (t1 - t0) / (double) n;
          oursNs[r] = (t2 - t1) / (double) n;
          ratio[r] = baseNs[r] / oursNs[r];
        }
      }
      BenchReport.value(
          "kafka.deserialize-1k.ours-cpu-ns", BenchReport.median(oursNs), "ns/record");
      BenchReport.value(
          "kafka.deserialize-1k.inner-cpu-ns", BenchReport.median(baseNs), "ns/record");
      if (sink == 42) {
        BenchReport.value("kafka.sink", sink, "bytes");
      }
    }
  }

  private static final RecordHeaders EMPTY = new RecordHeaders();

  /** {@code value} at offset 100 of a larger heap buffer, positioned on it. */
  private static ByteBuffer inFetchBuffer(byte[] value) {
    byte[] fetch = new byte[value.length + 200];
    System.arraycopy(value, 0, fetch, 100, value.length);
    return ByteBuffer.wrap(fetch, 100, value.length).slice();
  }

  // --- produce-1k -----------------------------------------------------------------------------

  private static void produce(
      Admin admin, String bootstrap, Map<String, Object> kms, byte[][] values, int n, int rounds)
      throws Exception {
    try (KafkaProducer<byte[], byte[]> plain = producer(bootstrap, kms, false);
        KafkaProducer<byte[], byte[]> enc = producer(bootstrap, kms, true)) {
      sideBySide("kafka.produce-1k", admin, enc, plain, values, n, rounds);
    }
  }

  /**
   * {@code pq.produce-1k}: an encrypting producer whose bridge holds only recipient public keys
   * (hybrid X-Wing provider) vs one on the symmetric local key store, same broker, same values.
   */
  static void publicKeyVsSymmetricProduce(
      Map<String, Object> hybridWriter, Map<String, Object> symmetric, int n, int rounds)
      throws Exception {
    try (KafkaClusterTestKit cluster = startBroker();
        Admin admin = cluster.admin();
        KafkaProducer<byte[], byte[]> hybrid =
            producer(cluster.bootstrapServers(), hybridWriter, true);
        KafkaProducer<byte[], byte[]> sym = producer(cluster.bootstrapServers(), symmetric, true)) {
      sideBySide("pq.produce-1k", admin, hybrid, sym, values(4096), n, rounds);
    }
  }

  /** Alternates the two producers round by round; reports the median per-round ratio. */
  private static void sideBySide(
      String name,
      Admin admin,
      KafkaProducer<byte[], byte[]> oursProducer,
      KafkaProducer<byte[], byte[]> baseProducer,
      byte[][] values,
      int n,
      int rounds)
      throws Exception {
    double[] ratio = new double[rounds];
    double[] ours = new double[rounds];
    double[] base = new double[rounds];
    double[] oursCpu = new double[rounds];
    double[] baseCpu = new double[rounds];
    // One topic per side for all rounds, metadata fetched before timing: a first send to a new
    // topic waits for metadata, which would be measured instead of the serializer.
    String tb = topic(admin, "produce-base");
    String to = topic(admin, "produce-ours");
    baseProducer.partitionsFor(tb);
    oursProducer.partitionsFor(to);
    produceRun(baseProducer, tb, values, n);
    produceRun(oursProducer, to, values, n);
    for (int r = 0; r < rounds; r++) {
      // Alternate which side goes first so drift does not favour one.
      double b;
      double o;
      if (r % 2 == 0) {
        b = produceRun(baseProducer, tb, values, n);
        baseCpu[r] = lastCpuNs / n;
        o = produceRun(oursProducer, to, values, n);
        oursCpu[r] = lastCpuNs / n;
      } else {
        o = produceRun(oursProducer, to, values, n);
        oursCpu[r] = lastCpuNs / n;
        b = produceRun(baseProducer, tb, values, n);
        baseCpu[r] = lastCpuNs / n;
      }
      ours[r] = o;
      base[r] = b;
      ratio[r] = o / b;
    }
    report(name, ratio, ours, base, "records/s");
    reportCpu(name, oursCpu, baseCpu);
  }

  // CPU time of the calling thread (send() or poll() and the serde in it) during the last run:
  // less sensitive than throughput to other load on the machine, and it shows where the gap is
  // (the rest is the broker and the client's network thread, which share the same cores).
  private static double lastCpuNs;

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private static void reportCpu(String name, double[] oursCpu, double[] baseCpu) {
    BenchReport.value(name + ".ours-cpu-ns", BenchReport.median(oursCpu), "ns/record");
    BenchReport.value(name + ".baseline-cpu-ns", BenchReport.median(baseCpu), "ns/record");
  }

  private static double produceRun(
      KafkaProducer<byte[], byte[]> producer, String topic, byte[][] values, int n) {
    long c0 = THREADS.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      producer.send(new ProducerRecord<>(topic, values[i & 4095]));
    }
    producer.flush();
    double perSec = n / ((System.nanoTime() - t0) / 1e9);
    lastCpuNs = THREADS.getCurrentThreadCpuTime() - c0;
    return perSec;
  }

  private static KafkaProducer<byte[], byte[]> producer(
      String bootstrap, Map<String, Object> kms, boolean encrypt) {
    Map<String, Object> p = new HashMap<>(kms);
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", "1");
    p.put("linger.ms", "5");
    p.put("batch.size", String.valueOf(256 * 1024));
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put(
        "value.serializer",
        encrypt ? EncryptingSerializer.class.getName() : ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  // --- consume-1k -----------------------------------------------------------------------------

  private static void consume(
      Admin admin, String bootstrap, Map<String, Object> kms, byte[][] values, int n, int rounds)
      throws Exception {
    String tp = topic(admin, "consume-plain");
    String te = topic(admin, "consume-enc");
    try (KafkaProducer<byte[], byte[]> plain = producer(bootstrap, kms, false);
        KafkaProducer<byte[], byte[]> enc = producer(bootstrap, kms, true)) {
      produceRun(plain, tp, values, n);
      produceRun(enc, te, values, n);
    }
    double[] ratio = new double[rounds];
    double[] ours = new double[rounds];
    double[] base = new double[rounds];
    double[] oursCpu = new double[rounds];
    double[] baseCpu = new double[rounds];
    // One consumer per side, rewound each round: consumer start-up is not what we measure.
    try (KafkaConsumer<byte[], byte[]> pc = consumer(bootstrap, kms, tp, false);
        KafkaConsumer<byte[], byte[]> ec = consumer(bootstrap, kms, te, true)) {
      consumeRun(pc, n);
      consumeRun(ec, n);
      for (int r = 0; r < rounds; r++) {
        double p;
        double e;
        if (r % 2 == 0) {
          p = consumeRun(pc, n);
          baseCpu[r] = lastCpuNs / n;
          e = consumeRun(ec, n);
          oursCpu[r] = lastCpuNs / n;
        } else {
          e = consumeRun(ec, n);
          oursCpu[r] = lastCpuNs / n;
          p = consumeRun(pc, n);
          baseCpu[r] = lastCpuNs / n;
        }
        ours[r] = e;
        base[r] = p;
        ratio[r] = e / p;
      }
    }
    report("kafka.consume-1k", ratio, ours, base, "records/s");
    reportCpu("kafka.consume-1k", oursCpu, baseCpu);
  }

  private static KafkaConsumer<byte[], byte[]> consumer(
      String bootstrap, Map<String, Object> kms, String topic, boolean decrypt) {
    Map<String, Object> p = new HashMap<>(kms);
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put(
        "value.deserializer",
        decrypt ? DecryptingDeserializer.class.getName() : ByteArrayDeserializer.class.getName());
    p.put("max.poll.records", "2000");
    p.put("fetch.max.bytes", String.valueOf(64 << 20));
    p.put("max.partition.fetch.bytes", String.valueOf(16 << 20));
    // A round ends with a fetch parked at the log end for fetch.max.wait.ms (500 ms by default);
    // the next round of that consumer cannot fetch until it returns, so it stalled for whatever
    // was left of it, depending on how long the other side's round took. Within a round data is
    // always there, so the wait never applies.
    p.put("fetch.max.wait.ms", "10");
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p);
    List<TopicPartition> parts = new ArrayList<>();
    for (int i = 0; i < PARTITIONS; i++) {
      parts.add(new TopicPartition(topic, i));
    }
    consumer.assign(parts);
    return consumer;
  }

  private static double consumeRun(KafkaConsumer<byte[], byte[]> consumer, int n) {
    consumer.seekToBeginning(consumer.assignment());
    long c0 = THREADS.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    int got = 0;
    long bytes = 0;
    while (got < n) {
      ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(500));
      for (var rec : batch) {
        bytes += rec.value().length;
        got++;
      }
    }
    double perSec = got / ((System.nanoTime() - t0) / 1e9);
    lastCpuNs = THREADS.getCurrentThreadCpuTime() - c0;
    if (bytes < got) {
      throw new IllegalStateException("short values");
    }
    return perSec;
  }

  // --- setup ----------------------------------------------------------------------------------

  private static KafkaClusterTestKit startBroker() throws Exception {
    KafkaClusterTestKit cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    return cluster;
  }

  private static String topic(Admin admin, String name) throws Exception {
    String t = "bench-" + name + "-" + System.nanoTime();
    admin.createTopics(List.of(new NewTopic(t, PARTITIONS, (short) 1))).all().get();
    return t;
  }

  private static Map<String, Object> localKeys(Path dir) throws Exception {
    Path pass = dir.resolve("password");
    Files.writeString(pass, "bench\n");
    Map<String, String> p = new HashMap<>();
    p.put("pipeseal.kms.uri", "local://" + dir.resolve("keys.p12"));
    p.put("pipeseal.kms.provider.password", "file:" + pass);
    p.put("pipeseal.kms.provider.create", "true");
    p.put("pipeseal.kms.audit.sink", "none");
    try (KmsBridge kms = KmsBridge.open(p)) {
      kms.admin().orElseThrow().createKey("bench");
    }
    Map<String, Object> out = new HashMap<>(p);
    out.put("pipeseal.master-key", "bench");
    return out;
  }

  private static byte[][] values(int count) {
    Random rnd = new Random(1);
    byte[][] v = new byte[count][VALUE_BYTES];
    for (byte[] b : v) {
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) (' ' + rnd.nextInt(95)); // printable, so String round trips are exact
      }
    }
    return v;
  }

  private static double[] perSecond(double[] ns) {
    double[] out = new double[ns.length];
    for (int i = 0; i < ns.length; i++) {
      out[i] = 1e9 / ns[i];
    }
    return out;
  }

  private static void report(String name, double[] ratios, double[] ours, double[] base, String u) {
    // The ratio is the median of per-round ratios; ours/baseline are median throughputs.
    double ratio = BenchReport.median(ratios);
    double o = BenchReport.median(ours);
    double b = BenchReport.median(base);
    System.out.printf(
        java.util.Locale.ROOT,
        "BENCH %s ratio=%.3f ours=%.4g baseline=%.4g unit=%s%n",
        name,
        ratio,
        o,
        b,
        u);
    System.out.flush();
  }
}
