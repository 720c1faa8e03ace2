package dev.pipeseal.kafka.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** One KRaft broker (combined mode) in this JVM; start once per test class. */
public final class KafkaBroker implements AutoCloseable {
  private final KafkaClusterTestKit cluster;
  private final Admin admin;

  private KafkaBroker(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
    this.admin = cluster.admin();
  }

  public static KafkaBroker start() {
    try {
      KafkaClusterTestKit cluster =
          new KafkaClusterTestKit.Builder(
                  new TestKitNodes.Builder()
                      .setCombined(true)
                      .setNumBrokerNodes(1)
                      .setNumControllerNodes(1)
                      .build())
              // Single broker: internal topics must not ask for more replicas, or consumers
              // (groups, transactions) see nothing.
              .setConfigProp("offsets.topic.replication.factor", "1")
              .setConfigProp("offsets.topic.num.partitions", "1")
              .setConfigProp("transaction.state.log.replication.factor", "1")
              .setConfigProp("transaction.state.log.min.isr", "1")
              .setConfigProp("group.initial.rebalance.delay.ms", "0")
              .build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new KafkaBroker(cluster);
    } catch (Exception e) {
      throw new IllegalStateException("broker did not start", e);
    }
  }

  public String bootstrap() {
    return cluster.bootstrapServers();
  }

  /** Creates a topic; {@code compacted} sets cleanup.policy=compact. */
  public String createTopic(String prefix, int partitions, boolean compacted) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    NewTopic t = new NewTopic(name, partitions, (short) 1);
    if (compacted) {
      t.configs(Map.of("cleanup.policy", "compact"));
    }
    try {
      admin.createTopics(List.of(t)).all().get();
      awaitLeaders(name, partitions);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return name;
  }

  private void awaitLeaders(String topic, int partitions) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      org.apache.kafka.clients.admin.TopicDescription d;
      try {
        d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      } catch (java.util.concurrent.ExecutionException e) {
        Thread.sleep(50); // metadata not propagated yet
        continue;
      }
      if (d.partitions().size() == partitions
          && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())
          && leadersServe(topic, partitions)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("partitions of " + topic + " got no leader");
  }

  // Metadata can name a leader before the broker serves the partition; an idempotent producer
  // whose first batch hits that window can stall on sequence errors. ListOffsets is answered by
  // the leader itself, so success means the partitions take writes.
  private boolean leadersServe(String topic, int partitions) throws InterruptedException {
    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> q =
        new HashMap<>();
    for (int i = 0; i < partitions; i++) {
      q.put(
          new org.apache.kafka.common.TopicPartition(topic, i),
          org.apache.kafka.clients.admin.OffsetSpec.latest());
    }
    try {
      admin.listOffsets(q).all().get();
      return true;
    } catch (java.util.concurrent.ExecutionException e) {
      return false;
    }
  }

  public Map<String, Object> producerConfig(Map<String, ?> extra) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.putAll(extra);
    return p;
  }

  public Map<String, Object> consumerConfig(Map<String, ?> extra) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.putAll(extra);
    return p;
  }

  public <K, V> KafkaProducer<K, V> producer(Map<String, ?> extra) {
    return new KafkaProducer<>(producerConfig(extra));
  }

  public <K, V> KafkaConsumer<K, V> consumer(Map<String, ?> extra) {
    return new KafkaConsumer<>(consumerConfig(extra));
  }

  /** Reads {@code n} records of {@code topic} as raw bytes, as an eavesdropper on the log would. */
  public List<ConsumerRecord<byte[], byte[]>> readRaw(String topic, int n) {
    Map<String, Object> cfg = new HashMap<>();
    cfg.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cfg.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    try (KafkaConsumer<byte[], byte[]> c = consumer(cfg)) {
      return drain(c, topic, n);
    }
  }

  /** Subscribes and polls until {@code n} records arrived (or 60 s passed). */
  public static <K, V> List<ConsumerRecord<K, V>> drain(
      KafkaConsumer<K, V> consumer, String topic, int n) {
    consumer.subscribe(List.of(topic));
    List<ConsumerRecord<K, V>> out = new ArrayList<>(n);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (out.size() < n && System.nanoTime() < deadline) {
      for (ConsumerRecord<K, V> r : consumer.poll(Duration.ofMillis(200))) {
        out.add(r);
      }
    }
    return out;
  }

  public Admin admin() {
    return admin;
  }

  /**
   * Stops the broker (the controller keeps running), waits {@code down}, then starts it again on
   * the same port, as an operator's rolling restart would. Clients see the outage in between.
   */
  public void restartBroker(Duration down) throws Exception {
    for (kafka.server.BrokerServer b : cluster.brokers().values()) {
      b.shutdown();
      b.awaitShutdown();
    }
    Thread.sleep(down.toMillis());
    for (kafka.server.BrokerServer b : cluster.brokers().values()) {
      b.startup();
    }
    cluster.waitForReadyBrokers();
  }

  @Override
  public void close() throws Exception {
    admin.close();
    cluster.close();
  }
}
