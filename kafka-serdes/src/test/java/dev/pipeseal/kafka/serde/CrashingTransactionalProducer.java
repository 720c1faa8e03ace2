package dev.pipeseal.kafka.serde;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A producer JVM that dies mid-transaction the way {@code kill -9} would: it begins a transaction,
 * sends records encrypted by {@link EncryptingSerializer} and flushes them to the log, says {@code
 * SENT} on stdout, then {@link Runtime#halt}s (no commit, no abort, no close).
 */
final class CrashingTransactionalProducer {
  static final int EXIT = 137;
  static final String SENT = "SENT";

  private CrashingTransactionalProducer() {}

  /** Starts the JVM: records {@code [from, to)} with {@code value.apply(i)} as value. */
  static Process start(
      String bootstrap, String transactionalId, String topic, int from, int to, Map<String, ?> kms)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(CrashingTransactionalProducer.class.getName());
    cmd.add(bootstrap);
    cmd.add(transactionalId);
    cmd.add(topic);
    cmd.add(Integer.toString(from));
    cmd.add(Integer.toString(to));
    kms.forEach((k, v) -> cmd.add(k + "=" + v));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  public static void main(String[] args) {
    Map<String, Object> p = new HashMap<>();
    for (int i = 5; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      p.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, args[1]);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, EncryptingSerializer.class.getName());
    p.put("pipeseal.serializer", StringSerializer.class.getName());
    String topic = args[2];
    int from = Integer.parseInt(args[3]);
    int to = Integer.parseInt(args[4]);
    KafkaProducer<String, String> producer = new KafkaProducer<>(p);
    producer.initTransactions();
    producer.beginTransaction();
    for (int i = from; i < to; i++) {
      producer.send(
          new ProducerRecord<>(topic, Integer.toString(i), ExactlyOnceTest.value(i, "crashed")));
    }
    producer.flush(); // in the log, inside an open transaction
    System.out.println(SENT);
    System.out.flush();
    Runtime.getRuntime().halt(EXIT);
  }
}
