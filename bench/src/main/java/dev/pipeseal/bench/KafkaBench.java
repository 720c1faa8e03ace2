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
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.internal.DefaultRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * {@code ./bench/run kafka [records] [rounds] [cases]}: the encrypting serializer and decrypting
 * deserializer against a hand-written encrypting serde ({@link NaiveSerde}: one fixed key, cached
 * {@code Cipher}, counter IV, topic AAD) and against plain byte-array clients, 1 KiB values. All
 * sides alternate round by round in one run; each case reports the median of per-round ratios
 * (ours/baseline throughput), the median throughputs and the CPU time per record of the thread that
 * calls {@code send()} / {@code poll()}.
 *
 * <p>Cases (comma list, default all): {@code serialize}, {@code deserialize}, {@code produce},
 * {@code produce-acks-all}, {@code consume} (broker in this JVM), {@code remote} (produce and
 * consume with the broker in a child JVM, as deployments run it, where the bench JVM's CPU is the
 * client's alone), {@code bytes} (record overhead on the wire), {@code marked} (not in the default
 * list: the naive serializer with and without the marker header, and ours with it ({@code
 * pipeseal.marker-header=true}, not the default), to measure what that one header costs; and the
 * naive serializer padded to the size of our inline records, against ours, to measure what record
 * size alone costs).
 */
final class KafkaBench {
  private static final int VALUE_BYTES = 1024;
  // -Dbench.kafka.partitions=N: with one partition the classic consumer fetches only after the
  // last fetch is drained, so fetch latency and record processing add up instead of overlapping.
  private static final int PARTITIONS = Integer.getInteger("bench.kafka.partitions", 1);
  // Where localKeys() puts the registry that the compact side writes to and reads from.
  private static final String REGISTRY_DIR = "bench.registry";
  private static final String ALL_CASES =
      "serialize,deserialize,produce,produce-acks-all,consume,bytes,remote";

  private KafkaBench() {}

  /** One client configuration in a side-by-side comparison. */
  private record Side(String name, Map<String, Object> producer, Map<String, Object> consumer) {}

  static void run(String[] args) throws Exception {
    // The broker logs every topic creation at INFO; keep the output to BENCH lines.
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    Set<String> only =
        new HashSet<>(Arrays.asList((args.length > 2 ? args[2] : ALL_CASES).split(",")));
    Path dir = Files.createTempDirectory("pipeseal-kafka-bench");
    Map<String, Object> kms = localKeys(dir);
    byte[][] values = values(4096);
    if (only.contains("serialize")) {
      serialize(kms, values, Math.max(records, 100_000), rounds);
    }
    if (only.contains("deserialize")) {
      deserialize(kms, values, Math.max(records, 100_000), rounds);
    }
    if (only.contains("bytes")) {
      recordOverhead(kms, values);
    }
    if (only.contains("produce")
        || only.contains("produce-acks-all")
        || only.contains("consume")
        || only.contains("marked")) {
      try (KafkaClusterTestKit cluster = startBroker();
          Admin admin = cluster.admin()) {
        String bootstrap = cluster.bootstrapServers();
        if (only.contains("produce")) {
          produce(
              "kafka.produce-1k", "", admin, sides(bootstrap, kms, "1"), values, records, rounds);
        }
        if (only.contains("produce-acks-all")) {
          produce(
              "kafka.produce-1k",
              "-acks-all",
              admin,
              sides(bootstrap, kms, "all"),
              values,
              records,
              rounds);
        }
        if (only.contains("marked")) {
          marked(admin, bootstrap, kms, values, records, rounds);
        }
        if (only.contains("consume")) {
          consume(
              "kafka.consume-1k", "", admin, sides(bootstrap, kms, "1"), values, records, rounds);
        }
      }
    }
    if (only.contains("remote")) {
      try (KafkaBrokerProcess broker = KafkaBrokerProcess.start();
          Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        List<Side> sides = sides(broker.bootstrapServers(), kms, "1");
        produce("kafka.produce-1k", "-remote", admin, sides, values, records, rounds);
        consume("kafka.consume-1k", "-remote", admin, sides, values, records, rounds);
      }
    }
  }

  /** Plain byte arrays, the hand-written serde, ours; same producer and consumer settings. */
  private static List<Side> sides(String bootstrap, Map<String, Object> kms, String acks) {
    List<Side> sides = new ArrayList<>();
    sides.add(
        new Side(
            "plain",
            producer(bootstrap, kms, acks, ByteArraySerializer.class),
            consumer(bootstrap, kms, ByteArrayDeserializer.class)));
    sides.add(
        new Side(
            "naive",
            producer(bootstrap, kms, acks, NaiveSerde.NaiveSerializer.class),
            consumer(bootstrap, kms, NaiveSerde.NaiveDeserializer.class)));
    sides.add(
        new Side(
            "ours",
            producer(bootstrap, kms, acks, EncryptingSerializer.class),
            consumer(bootstrap, kms, DecryptingDeserializer.class)));
    Map<String, Object> compact = compact(kms);
    sides.add(
        new Side(
            "ours-compact",
            producer(bootstrap, compact, acks, EncryptingSerializer.class),
            consumer(bootstrap, compact, DecryptingDeserializer.class)));
    return sides;
  }

  /** Ours with registry key references (8-byte ids into a registry in a local directory). */
  private static Map<String, Object> compact(Map<String, Object> kms) {
    Map<String, Object> c = new HashMap<>(kms);
    c.put("pipeseal.key-references", "registry");
    c.put("pipeseal.registry", kms.get(REGISTRY_DIR));
    c.remove(REGISTRY_DIR);
    return c;
  }

  // --- serialize-1k ---------------------------------------------------------------------------

  /**
   * The serializers alone, wrapping {@code StringSerializer}: ours, the hand-written one and the
   * inner one, CPU time of this thread, rotating which goes first.
   */
  private static void serialize(Map<String, Object> kms, byte[][] values, int n, int rounds) {
    String[] strings = new String[values.length];
    for (int i = 0; i < values.length; i++) {
      strings[i] = new String(values[i], StandardCharsets.ISO_8859_1);
    }
    Map<String, Object> cfg = new HashMap<>(kms);
    cfg.put("pipeseal.value.serializer", StringSerializer.class.getName());
    Map<String, Object> compactCfg = compact(cfg);
    try (EncryptingSerializer<String> ours = new EncryptingSerializer<>();
        EncryptingSerializer<String> compact = new EncryptingSerializer<>();
        NaiveSerde.NaiveSerializer<String> naive =
            new NaiveSerde.NaiveSerializer<>(new StringSerializer());
        StringSerializer inner = new StringSerializer()) {
      ours.configure(cfg, false);
      compact.configure(compactCfg, false);
      naive.configure(cfg, false);
      inner.configure(cfg, false);
      List<Serializer<String>> sides = List.of(inner, naive, ours, compact);
      double[][] ns = new double[4][rounds];
      long sink = 0;
      for (int r = -3; r < rounds; r++) { // three warm-up rounds
        for (int k = 0; k < 4; k++) {
          int s = Math.floorMod(r + k, 4);
          Serializer<String> ser = sides.get(s);
          long t0 = THREADS.getCurrentThreadCpuTime();
          for (int i = 0; i < n; i++) {
            sink += ser.serialize("bench", new RecordHeaders(), strings[i & 4095]).length;
          }
          if (r >= 0) {
            ns[s][r] = (THREADS.getCurrentThreadCpuTime() - t0) / (double) n;
          }
        }
      }
      reportNs("kafka.serialize-1k", ns[2], ns[0]);
      reportNs("kafka.serialize-1k-vs-naive", ns[2], ns[1]);
      reportNs("kafka.serialize-1k-compact-vs-naive", ns[3], ns[1]);
      BenchReport.value(
          "kafka.serialize-1k.compact-cpu-ns", BenchReport.median(ns[3]), "ns/record");
      BenchReport.value("kafka.serialize-1k.ours-cpu-ns", BenchReport.median(ns[2]), "ns/record");
      BenchReport.value("kafka.serialize-1k.naive-cpu-ns", BenchReport.median(ns[1]), "ns/record");
      BenchReport.value("kafka.serialize-1k.inner-cpu-ns", BenchReport.median(ns[0]), "ns/record");
      sink(sink);
    }
  }

  /** Ratio of throughputs (baseline ns / ours ns) per round; median of those. */
  private static void reportNs(String name, double[] oursNs, double[] baseNs) {
    double[] ratio = new double[oursNs.length];
    for (int i = 0; i < ratio.length; i++) {
      ratio[i] = baseNs[i] / oursNs[i];
    }
    report(name, ratio, perSecond(oursNs), perSecond(baseNs), "records/s");
  }

  private static void sink(long sink) {
    if (sink == 42) {
      BenchReport.value("kafka.sink", sink, "bytes");
    }
  }

  // --- deserialize-1k -------------------------------------------------------------------------

  /**
   * The deserializers alone on values at an offset inside one large buffer, as the consumer hands
   * them over from its fetch buffer: ours, the hand-written one (which, like most, overrides only
   * the byte-array method, so Kafka copies the value out first) and the inner {@code
   * ByteArrayDeserializer} (which copies).
   */
  private static void deserialize(Map<String, Object> kms, byte[][] values, int n, int rounds) {
    Map<String, Object> cfg = new HashMap<>(kms);
    int count = values.length;
    ByteBuffer[] plain = new ByteBuffer[count];
    ByteBuffer[] sealed = new ByteBuffer[count];
    ByteBuffer[] naiveSealed = new ByteBuffer[count];
    ByteBuffer[] compactSealed = new ByteBuffer[count];
    RecordHeaders[] headers = new RecordHeaders[count];
    Map<String, Object> compactCfg = compact(cfg);
    try (EncryptingSerializer<byte[]> ser = new EncryptingSerializer<>();
        EncryptingSerializer<byte[]> compactSer = new EncryptingSerializer<>();
        DecryptingDeserializer<byte[]> compact = new DecryptingDeserializer<>();
        NaiveSerde.NaiveSerializer<byte[]> naiveSer = new NaiveSerde.NaiveSerializer<>();
        DecryptingDeserializer<byte[]> ours = new DecryptingDeserializer<>();
        NaiveSerde.NaiveDeserializer naive = new NaiveSerde.NaiveDeserializer();
        ByteArrayDeserializer inner = new ByteArrayDeserializer()) {
      ser.configure(cfg, false);
      compactSer.configure(compactCfg, false);
      compact.configure(compactCfg, false);
      naiveSer.configure(cfg, false);
      ours.configure(cfg, false);
      naive.configure(cfg, false);
      for (int i = 0; i < count; i++) {
        headers[i] = new RecordHeaders();
        plain[i] = inFetchBuffer(values[i]);
        sealed[i] = inFetchBuffer(ser.serialize("bench", headers[i], values[i]));
        naiveSealed[i] = inFetchBuffer(naiveSer.serialize("bench", EMPTY, values[i]));
        compactSealed[i] = inFetchBuffer(compactSer.serialize("bench", EMPTY, values[i]));
      }
      List<Deserializer<byte[]>> sides = List.of(inner, naive, ours, compact);
      List<ByteBuffer[]> inputs = List.of(plain, naiveSealed, sealed, compactSealed);
      double[][] ns = new double[4][rounds];
      long sink = 0;
      for (int r = -3; r < rounds; r++) { // three warm-up rounds
        for (int k = 0; k < 4; k++) {
          int s = Math.floorMod(r + k, 4);
          Deserializer<byte[]> d = sides.get(s);
          ByteBuffer[] in = inputs.get(s);
          RecordHeaders[] hs = s >= 2 ? headers : null;
          long t0 = THREADS.getCurrentThreadCpuTime();
          for (int i = 0; i < n; i++) {
            int j = i & (count - 1);
            sink += d.deserialize("bench", hs == null ? EMPTY : hs[j], in[j].duplicate()).length;
          }
          if (r >= 0) {
            ns[s][r] = (THREADS.getCurrentThreadCpuTime() - t0) / (double) n;
          }
        }
      }
      reportNs("kafka.deserialize-1k", ns[2], ns[0]);
      reportNs("kafka.deserialize-1k-vs-naive", ns[2], ns[1]);
      reportNs("kafka.deserialize-1k-compact-vs-naive", ns[3], ns[1]);
      BenchReport.value(
          "kafka.deserialize-1k.compact-cpu-ns", BenchReport.median(ns[3]), "ns/record");
      BenchReport.value("kafka.deserialize-1k.ours-cpu-ns", BenchReport.median(ns[2]), "ns/record");
      BenchReport.value(
          "kafka.deserialize-1k.naive-cpu-ns", BenchReport.median(ns[1]), "ns/record");
      BenchReport.value(
          "kafka.deserialize-1k.inner-cpu-ns", BenchReport.median(ns[0]), "ns/record");
      sink(sink);
    }
  }

  private static final RecordHeaders EMPTY = new RecordHeaders();

  /** {@code value} at offset 100 of a larger heap buffer, positioned on it. */
  private static ByteBuffer inFetchBuffer(byte[] value) {
    byte[] fetch = new byte[value.length + 200];
    System.arraycopy(value, 0, fetch, 100, value.length);
    return ByteBuffer.wrap(fetch, 100, value.length).slice();
  }

  // --- record overhead ------------------------------------------------------------------------

  /**
   * Bytes a record takes in a batch on the wire (and in the log), over the same record holding the
   * plaintext value: the envelope plus the marker header for ours; IV and tag for the hand-written
   * serde.
   */
  private static void recordOverhead(Map<String, Object> kms, byte[][] values) {
    try (EncryptingSerializer<byte[]> ours = new EncryptingSerializer<>();
        EncryptingSerializer<byte[]> compact = new EncryptingSerializer<>();
        NaiveSerde.NaiveSerializer<byte[]> naive = new NaiveSerde.NaiveSerializer<>()) {
      ours.configure(kms, false);
      compact.configure(compact(kms), false);
      naive.configure(kms, false);
      RecordHeaders h = new RecordHeaders();
      byte[] sealed = ours.serialize("bench", h, values[0]);
      int plain = recordBytes(values[0].length, new Header[0]);
      BenchReport.value(
          "kafka.record-overhead-bytes", recordBytes(sealed.length, h.toArray()) - plain, "bytes");
      RecordHeaders hc = new RecordHeaders();
      byte[] sealedCompact = compact.serialize("bench", hc, values[0]);
      BenchReport.value(
          "kafka.record-overhead-bytes-compact",
          recordBytes(sealedCompact.length, hc.toArray()) - plain,
          "bytes");
      BenchReport.value(
          "kafka.envelope-overhead-bytes-compact",
          sealedCompact.length - values[0].length,
          "bytes");
      byte[] n = naive.serialize("bench", EMPTY, values[0]);
      BenchReport.value(
          "kafka.record-overhead-bytes.naive",
          recordBytes(n.length, new Header[0]) - plain,
          "bytes");
    }
  }

  private static int recordBytes(int valueBytes, Header[] headers) {
    return DefaultRecord.sizeInBytes(0, 0L, 0, valueBytes, headers);
  }

  // --- produce-1k -----------------------------------------------------------------------------

  /**
   * {@code pq.produce-1k}: an encrypting producer whose bridge holds only recipient public keys
   * (hybrid X-Wing provider) vs one on the symmetric local key store, same broker, same values.
   */
  static void publicKeyVsSymmetricProduce(
      Map<String, Object> hybridWriter, Map<String, Object> symmetric, int n, int rounds)
      throws Exception {
    try (KafkaClusterTestKit cluster = startBroker();
        Admin admin = cluster.admin()) {
      String b = cluster.bootstrapServers();
      List<Side> sides =
          List.of(
              new Side("symmetric", producer(b, symmetric, "1", EncryptingSerializer.class), null),
              new Side("hybrid", producer(b, hybridWriter, "1", EncryptingSerializer.class), null));
      double[][][] res = produceRounds(admin, sides, values(4096), n, rounds);
      reportPair("pq.produce-1k", res, 1, 0);
    }
  }

  /** Ratios of side {@code ours} against side {@code base}: throughput, then CPU per record. */
  private static void reportPair(String name, double[][][] res, int ours, int base) {
    double[][] tput = res[0];
    double[][] cpu = res[1];
    double[][] procCpu = res[2];
    double[] ratio = new double[tput[0].length];
    for (int r = 0; r < ratio.length; r++) {
      ratio[r] = tput[ours][r] / tput[base][r];
    }
    report(name, ratio, tput[ours], tput[base], "records/s");
    BenchReport.value(name + ".ours-cpu-ns", BenchReport.median(cpu[ours]), "ns/record");
    BenchReport.value(name + ".baseline-cpu-ns", BenchReport.median(cpu[base]), "ns/record");
    BenchReport.value(
        name + ".ours-process-cpu-ns", BenchReport.median(procCpu[ours]), "ns/record");
    BenchReport.value(
        name + ".baseline-process-cpu-ns", BenchReport.median(procCpu[base]), "ns/record");
  }

  private static void produce(
      String name,
      String variant,
      Admin admin,
      List<Side> sides,
      byte[][] values,
      int n,
      int rounds)
      throws Exception {
    double[][][] res = produceRounds(admin, sides, values, n, rounds);
    reportPair(name + variant, res, 2, 0);
    reportPair(name + "-vs-naive" + variant, res, 2, 1);
    reportPair(name + "-compact-vs-naive" + variant, res, 3, 1);
  }

  /**
   * The hand-written serializer plain and with the marker header, and ours (inline and compact)
   * with it: what Kafka's handling of that one header costs the sending thread, apart from any
   * encryption. Then the hand-written serializer padded to the size of our inline records against
   * ours: what the inline wrapped key's bytes cost Kafka.
   */
  private static void marked(
      Admin admin, String bootstrap, Map<String, Object> kms, byte[][] values, int n, int rounds)
      throws Exception {
    Map<String, Object> marked = producer(bootstrap, kms, "1", NaiveSerde.NaiveSerializer.class);
    marked.put(NaiveSerde.MARK, "true");
    Class<?> ser = EncryptingSerializer.class;
    Map<String, Object> compact = compact(kms);
    Map<String, Object> padded = producer(bootstrap, kms, "1", NaiveSerde.NaiveSerializer.class);
    padded.put(NaiveSerde.PAD, String.valueOf(inlineExtraBytes(kms, values[0])));
    List<Side> sides =
        List.of(
            new Side(
                "naive", producer(bootstrap, kms, "1", NaiveSerde.NaiveSerializer.class), null),
            new Side("naive-marked", marked, null),
            new Side("ours-marked", marked(producer(bootstrap, kms, "1", ser)), null),
            new Side("compact-marked", marked(producer(bootstrap, compact, "1", ser)), null),
            new Side("naive-padded", padded, null),
            new Side("ours", producer(bootstrap, kms, "1", ser), null));
    double[][][] res = produceRounds(admin, sides, values, n, rounds);
    reportPair("kafka.produce-1k-naive-marked-vs-naive", res, 1, 0);
    reportPair("kafka.produce-1k-marked-vs-naive-marked", res, 2, 1);
    reportPair("kafka.produce-1k-compact-marked-vs-naive-marked", res, 3, 1);
    reportPair("kafka.produce-1k-naive-padded-vs-naive", res, 4, 0);
    reportPair("kafka.produce-1k-vs-naive-padded", res, 5, 4);
  }

  /** How many bytes more than the naive serializer's ours writes per record (inline references). */
  private static int inlineExtraBytes(Map<String, Object> kms, byte[] value) {
    try (EncryptingSerializer<byte[]> ours = new EncryptingSerializer<>();
        NaiveSerde.NaiveSerializer<byte[]> naive = new NaiveSerde.NaiveSerializer<>()) {
      ours.configure(kms, false);
      naive.configure(kms, false);
      return ours.serialize("bench", new RecordHeaders(), value).length
          - naive.serialize("bench", new RecordHeaders(), value).length;
    }
  }

  private static Map<String, Object> marked(Map<String, Object> producer) {
    producer.put("pipeseal.marker-header", "true");
    return producer;
  }

  /**
   * Runs every side's producer {@code rounds} times, rotating which goes first so drift favours
   * none. Returns [throughput, sending-thread CPU ns/record, process CPU ns/record][side][round].
   */
  private static double[][][] produceRounds(
      Admin admin, List<Side> sides, byte[][] values, int n, int rounds) throws Exception {
    int k = sides.size();
    double[][][] res = new double[3][k][rounds];
    List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
    try {
      List<String> topics = new ArrayList<>();
      for (Side s : sides) {
        producers.add(new KafkaProducer<>(s.producer()));
        // One topic per side for all rounds, metadata fetched before timing: a first send to a new
        // topic waits for metadata, which would be measured instead of the serializer.
        String t = topic(admin, "produce-" + s.name());
        producers.get(producers.size() - 1).partitionsFor(t);
        topics.add(t);
      }
      for (int i = 0; i < k; i++) {
        produceRun(producers.get(i), topics.get(i), values, n);
      }
      for (int r = 0; r < rounds; r++) {
        for (int j = 0; j < k; j++) {
          int i = Math.floorMod(r + j, k);
          res[0][i][r] = produceRun(producers.get(i), topics.get(i), values, n);
          res[1][i][r] = lastCpuNs / n;
          res[2][i][r] = lastProcessCpuNs / n;
        }
      }
    } finally {
      for (KafkaProducer<byte[], byte[]> p : producers) {
        p.close();
      }
    }
    return res;
  }

  // CPU time of the calling thread (send() or poll() and the serde in it) during the last run:
  // less sensitive than throughput to other load on the machine, and it shows where the gap is.
  // With the broker in this JVM the rest of the process CPU is mostly the broker; with the broker
  // in its own JVM the process CPU is the client's alone (its network thread included).
  private static double lastCpuNs;
  private static double lastProcessCpuNs;

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  private static double produceRun(
      KafkaProducer<byte[], byte[]> producer, String topic, byte[][] values, int n) {
    long p0 = OS.getProcessCpuTime();
    long c0 = THREADS.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      producer.send(new ProducerRecord<>(topic, values[i & 4095]));
    }
    producer.flush();
    double perSec = n / ((System.nanoTime() - t0) / 1e9);
    lastCpuNs = THREADS.getCurrentThreadCpuTime() - c0;
    lastProcessCpuNs = OS.getProcessCpuTime() - p0;
    return perSec;
  }

  private static Map<String, Object> producer(
      String bootstrap, Map<String, Object> kms, String acks, Class<?> valueSerializer) {
    Map<String, Object> p = new HashMap<>(kms);
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", acks);
    p.put("linger.ms", "5");
    p.put("batch.size", String.valueOf(256 * 1024));
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", valueSerializer.getName());
    return p;
  }

  // --- consume-1k -----------------------------------------------------------------------------

  private static void consume(
      String name,
      String variant,
      Admin admin,
      List<Side> sides,
      byte[][] values,
      int n,
      int rounds)
      throws Exception {
    int k = sides.size();
    List<String> topics = new ArrayList<>();
    for (Side s : sides) {
      String t = topic(admin, "consume-" + s.name());
      try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(s.producer())) {
        produceRun(p, t, values, n);
      }
      topics.add(t);
    }
    wireBytes(admin, sides, topics, n, variant);
    double[][][] res = new double[3][k][rounds];
    List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
    // One consumer per side, rewound each round: consumer start-up is not what we measure.
    try {
      for (int i = 0; i < k; i++) {
        consumers.add(assigned(sides.get(i).consumer(), topics.get(i)));
        consumeRun(consumers.get(i), n);
      }
      for (int r = 0; r < rounds; r++) {
        for (int j = 0; j < k; j++) {
          int i = Math.floorMod(r + j, k);
          res[0][i][r] = consumeRun(consumers.get(i), n);
          res[1][i][r] = lastCpuNs / n;
          res[2][i][r] = lastProcessCpuNs / n;
        }
      }
    } finally {
      for (KafkaConsumer<byte[], byte[]> c : consumers) {
        c.close();
      }
    }
    reportPair(name + variant, res, 2, 0);
    reportPair(name + "-vs-naive" + variant, res, 2, 1);
    reportPair(name + "-compact-vs-naive" + variant, res, 3, 1);
  }

  /**
   * Log bytes per record of each side's topic (batches, headers and all), as the broker holds it.
   */
  private static void wireBytes(
      Admin admin, List<Side> sides, List<String> topics, int n, String variant) throws Exception {
    List<Integer> brokers = new ArrayList<>();
    for (var node : admin.describeCluster().nodes().get()) {
      brokers.add(node.id());
    }
    var dirs = admin.describeLogDirs(brokers).allDescriptions().get();
    for (int i = 0; i < sides.size(); i++) {
      long bytes = 0;
      for (var broker : dirs.values()) {
        for (var d : broker.values()) {
          for (var e : d.replicaInfos().entrySet()) {
            if (e.getKey().topic().equals(topics.get(i))) {
              bytes += e.getValue().size();
            }
          }
        }
      }
      BenchReport.value(
          "kafka.wire-bytes-per-record" + variant + "." + sides.get(i).name(),
          bytes / (double) n,
          "bytes");
    }
  }

  private static Map<String, Object> consumer(
      String bootstrap, Map<String, Object> kms, Class<?> valueDeserializer) {
    Map<String, Object> p = new HashMap<>(kms);
    p.put("bootstrap.servers", bootstrap);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", valueDeserializer.getName());
    p.put("max.poll.records", "2000");
    p.put("fetch.max.bytes", String.valueOf(64 << 20));
    p.put("max.partition.fetch.bytes", String.valueOf(16 << 20));
    // A round ends with a fetch parked at the log end for fetch.max.wait.ms (500 ms by default);
    // the next round of that consumer cannot fetch until it returns, so it stalled for whatever
    // was left of it, depending on how long the other side's round took. Within a round data is
    // always there, so the wait never applies.
    p.put("fetch.max.wait.ms", "10");
    return p;
  }

  private static KafkaConsumer<byte[], byte[]> assigned(Map<String, Object> p, String topic) {
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
    long p0 = OS.getProcessCpuTime();
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
    lastProcessCpuNs = OS.getProcessCpuTime() - p0;
    if (bytes < got) {
      throw new IllegalStateException("short values");
    }
    return perSec;
  }

  // --- setup ----------------------------------------------------------------------------------

  static KafkaClusterTestKit startBroker() throws Exception {
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
    out.put(REGISTRY_DIR, dir.resolve("registry").toString());
    byte[] naiveKey = new byte[32];
    new java.security.SecureRandom().nextBytes(naiveKey);
    out.put(NaiveSerde.KEY, java.util.Base64.getEncoder().encodeToString(naiveKey));
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
