package dev.pipeseal.registry.kafka;

import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.registry.RegistryPaths;
import dev.pipeseal.registry.RegistryStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registry entries on one partition of a compacted Kafka topic.
 *
 * <p>Record key: UTF-8 {@code <path>#<claim>}, where {@code path} is the file a directory store
 * would write ({@link RegistryPaths}, e.g. {@code keys/3f/3f0a1b2c3d4e5f60/1.json}) and {@code
 * claim} 16 random hex digits of the writer. Value: the file's bytes (for key generations the same
 * record encoding as a directory store); a tombstone deletes one claim. The entry at {@code path}
 * is the value of its live claim with the lowest offset.
 *
 * <p>Why claims: two writers that both saw a path absent both append; with the bare path as key,
 * compaction would keep the later record while the earlier writer had already returned and
 * encrypted data under its own key. With one key per claim, compaction never merges two claims, the
 * first claim wins forever, and the loser (which reads back to its own offset before returning)
 * tombstones its claim. One partition gives every reader the same order.
 *
 * <p>The view is read from the beginning at open, and again up to the end offset before a read that
 * misses and before any listing, so a reader sees every write acknowledged before its call. Writes
 * are synchronous with {@code acks=all} and idempotence: a key generation is replicated before
 * {@link #createIfAbsent} returns, hence before the serializer emits a record naming it.
 */
final class TopicRegistryStore implements RegistryStore {
  private static final Logger LOG = LoggerFactory.getLogger(TopicRegistryStore.class);
  private static final char CLAIM_SEPARATOR = '#';
  private static final int CLAIM_HEX = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final TopicStoreConfig config;
  private final String location;
  private final TopicPartition partition;
  private final KafkaConsumer<byte[], byte[]> consumer;
  // Guarded by this; made at the first write, so read-only clients need no Write ACL.
  private KafkaProducer<byte[], byte[]> producer;
  // Guarded by this: path -> live claims in offset order; the first is the entry.
  private final TreeMap<String, List<Claim>> entries = new TreeMap<>();

  private record Claim(String claim, long offset, long timestamp, byte[] value) {}

  TopicRegistryStore(TopicStoreConfig config) {
    this.config = config;
    this.location = "kafka:" + config.topic();
    this.partition = new TopicPartition(config.topic(), 0);
    checkTopic();
    Map<String, Object> c = new HashMap<>(config.clientProperties());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    // After each poll the consumer leaves a fetch waiting at the broker, and the broker answers a
    // connection's requests in order: the next endOffsets would wait out fetch.max.wait.ms (500
    // ms by default) on every registration and every miss. This consumer polls only to catch up.
    c.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
    c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "pipeseal-registry-" + config.topic());
    this.consumer =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      synchronized (this) {
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        catchUp();
      }
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw e;
    }
  }

  @Override
  public String location() {
    return location;
  }

  // ---- topic checks

  private void checkTopic() {
    Map<String, Object> a = new HashMap<>(config.clientProperties());
    a.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "pipeseal-registry-admin-" + config.topic());
    try (Admin admin = Admin.create(a)) {
      TopicDescription d = describe(admin);
      if (d == null) {
        create(admin);
        return;
      }
      if (d.partitions().size() != 1) {
        throw failure(
            null,
            "registry topic '"
                + config.topic()
                + "' has "
                + d.partitions().size()
                + " partitions; it must have exactly one (every reader must see one order)",
            null);
      }
      checkCleanupPolicy(admin);
    }
  }

  private TopicDescription describe(Admin admin) {
    try {
      return admin
          .describeTopics(List.of(config.topic()))
          .allTopicNames()
          .get(millis(), TimeUnit.MILLISECONDS)
          .get(config.topic());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return null;
      }
      throw failure(null, "cannot describe the registry topic", e.getCause());
    } catch (TimeoutException e) {
      throw failure(null, "no answer from the brokers within " + config.timeout(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(null, "interrupted", e);
    }
  }

  private void create(Admin admin) {
    if (!config.createTopic()) {
      throw failure(
          null,
          "registry topic '"
              + config.topic()
              + "' does not exist and registry.kafka.topic.create is false; create it with"
              + " cleanup.policy=compact and one partition",
          null);
    }
    Map<String, String> configs = new HashMap<>();
    configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
    if (config.minInsyncReplicas() > 0) {
      configs.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "" + config.minInsyncReplicas());
    }
    NewTopic t =
        new NewTopic(
                config.topic(),
                Optional.of(1),
                config.replicationFactor() > 0
                    ? Optional.of((short) config.replicationFactor())
                    : Optional.empty())
            .configs(configs);
    try {
      admin.createTopics(List.of(t)).all().get(millis(), TimeUnit.MILLISECONDS);
      LOG.info("created registry topic {} (cleanup.policy=compact, 1 partition)", config.topic());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return; // another client created it first
      }
      throw failure(null, "cannot create the registry topic", e.getCause());
    } catch (TimeoutException e) {
      throw failure(null, "no answer from the brokers within " + config.timeout(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(null, "interrupted", e);
    }
  }

  private void checkCleanupPolicy(Admin admin) {
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, config.topic());
    Config described;
    try {
      described =
          admin.describeConfigs(List.of(r)).all().get(millis(), TimeUnit.MILLISECONDS).get(r);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuthorizationException) {
        // DescribeConfigs is an extra ACL that producers and consumers need not have.
        LOG.warn(
            "cannot check cleanup.policy of registry topic {} (no DescribeConfigs ACL); it must"
                + " be compact, or retention deletes data keys",
            config.topic());
        return;
      }
      throw failure(null, "cannot describe the registry topic's configuration", e.getCause());
    } catch (TimeoutException e) {
      throw failure(null, "no answer from the brokers within " + config.timeout(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(null, "interrupted", e);
    }
    ConfigEntry policy =
        described == null ? null : described.get(TopicConfig.CLEANUP_POLICY_CONFIG);
    String value = policy == null ? null : policy.value().replace(" ", "");
    if (!TopicConfig.CLEANUP_POLICY_COMPACT.equals(value)) {
      throw failure(
          null,
          "registry topic '"
              + config.topic()
              + "' has cleanup.policy="
              + value
              + "; it must be compact alone, or retention deletes data keys and the records"
              + " encrypted under them become unreadable",
          null);
    }
  }

  // ---- reading

  /** Reads every record up to the current end offset into the view. Caller holds the lock. */
  private void catchUp() {
    long deadline = System.nanoTime() + config.timeout().toNanos();
    long end;
    try {
      end = consumer.endOffsets(List.of(partition), config.timeout()).get(partition);
      while (consumer.position(partition, config.timeout()) < end) {
        if (System.nanoTime() - deadline > 0) {
          throw failure(
              null,
              "could not read the registry topic to its end offset "
                  + end
                  + " within "
                  + config.timeout(),
              null);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          apply(r);
        }
      }
    } catch (KafkaException e) {
      throw failure(null, "cannot read the registry topic", e);
    }
  }

  /** Reads until the record at {@code offset} is in the view. Caller holds the lock. */
  private void catchUpTo(long offset) {
    catchUp();
    if (consumer.position(partition, config.timeout()) <= offset) {
      throw failure(null, "own write at offset " + offset + " is not readable back", null);
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> r) {
    if (r.key() == null) {
      LOG.warn("registry topic {} offset {}: record without key, ignored", r.topic(), r.offset());
      return;
    }
    String key = new String(r.key(), StandardCharsets.UTF_8);
    int sep = key.lastIndexOf(CLAIM_SEPARATOR);
    if (sep <= 0 || key.length() - sep - 1 != CLAIM_HEX) {
      LOG.warn(
          "registry topic {} offset {}: key is not <path>#<claim>, ignored", r.topic(), r.offset());
      return;
    }
    String path = key.substring(0, sep);
    String claim = key.substring(sep + 1);
    List<Claim> claims = entries.get(path);
    if (r.value() == null) {
      if (claims != null) {
        claims.removeIf(c -> c.claim.equals(claim));
        if (claims.isEmpty()) {
          entries.remove(path);
        }
      }
      return;
    }
    if (claims == null) {
      claims = new ArrayList<>(1);
      entries.put(path, claims);
    }
    claims.removeIf(c -> c.claim.equals(claim));
    claims.add(new Claim(claim, r.offset(), r.timestamp(), r.value()));
  }

  private synchronized Optional<byte[]> value(String path) {
    List<Claim> claims = entries.get(path);
    if (claims == null) {
      catchUp();
      claims = entries.get(path);
    }
    return claims == null ? Optional.empty() : Optional.of(claims.get(0).value.clone());
  }

  // ---- writing

  private KafkaProducer<byte[], byte[]> producer() {
    if (producer == null) {
      Map<String, Object> p = new HashMap<>(config.clientProperties());
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "0");
      p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "pipeseal-registry-writer-" + config.topic());
      producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  /** Appends synchronously (replicated per acks=all) and returns the record's offset. */
  private long append(String path, String claim, byte[] value) {
    byte[] key = (path + CLAIM_SEPARATOR + claim).getBytes(StandardCharsets.UTF_8);
    try {
      RecordMetadata m =
          producer()
              .send(new ProducerRecord<>(config.topic(), 0, key, value))
              .get(millis(), TimeUnit.MILLISECONDS);
      return m.offset();
    } catch (ExecutionException e) {
      throw failure(null, "cannot write to the registry topic (entry " + path + ")", e.getCause());
    } catch (TimeoutException e) {
      throw failure(
          null, "write of entry " + path + " not acknowledged within " + config.timeout(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(null, "interrupted while writing entry " + path, e);
    } catch (KafkaException e) {
      throw failure(null, "cannot write to the registry topic (entry " + path + ")", e);
    }
  }

  /** Write a claim, read back past it; the first live claim wins, a loser withdraws its own. */
  private synchronized boolean publishIfAbsent(String path, byte[] content) {
    catchUp();
    if (entries.containsKey(path)) {
      return false;
    }
    byte[] nonce = new byte[CLAIM_HEX / 2];
    RANDOM.nextBytes(nonce);
    String claim = HexFormat.of().formatHex(nonce);
    long offset = append(path, claim, content.clone());
    catchUpTo(offset);
    List<Claim> claims = entries.get(path);
    if (claims != null && claims.get(0).claim.equals(claim)) {
      return true;
    }
    append(path, claim, null);
    return false;
  }

  private synchronized void remove(String path) {
    catchUp();
    List<Claim> claims = entries.get(path);
    if (claims == null) {
      return;
    }
    long last = -1;
    for (Claim c : List.copyOf(claims)) {
      last = append(path, c.claim, null);
    }
    catchUpTo(last);
  }

  // ---- RegistryStore

  @Override
  public boolean createIfAbsent(KeyId id, long generation, byte[] content) {
    return publishIfAbsent(RegistryPaths.generationFile(id, generation), content);
  }

  @Override
  public boolean createAliasIfAbsent(String name, byte[] content) {
    return publishIfAbsent(RegistryPaths.aliasFile(name), content);
  }

  @Override
  public Optional<byte[]> readAlias(String name) {
    return value(RegistryPaths.aliasFile(name));
  }

  @Override
  public synchronized List<Long> generations(KeyId id) {
    // Always to the end: replace() compares against the current generation.
    catchUp();
    List<Long> out = new ArrayList<>();
    for (String path : children(RegistryPaths.idDirectory(id) + "/").keySet()) {
      RegistryPaths.parseGenerationFile(path)
          .filter(g -> g.id().equals(id))
          .ifPresent(g -> out.add(g.generation()));
    }
    out.sort(null);
    return out;
  }

  @Override
  public Optional<byte[]> read(KeyId id, long generation) {
    return value(RegistryPaths.generationFile(id, generation));
  }

  @Override
  public void delete(KeyId id, long generation) {
    remove(RegistryPaths.generationFile(id, generation));
  }

  @Override
  public synchronized Stream<KeyId> ids() {
    catchUp();
    List<KeyId> out = new ArrayList<>();
    KeyId last = null;
    for (String path : children("keys/").keySet()) {
      Optional<RegistryPaths.Generation> g = RegistryPaths.parseGenerationFile(path);
      if (g.isPresent() && !g.get().id().equals(last)) {
        last = g.get().id();
        out.add(last);
      }
    }
    return out.stream();
  }

  @Override
  public synchronized List<String> listFiles(String dir) {
    catchUp();
    String prefix = dir.endsWith("/") ? dir : dir + "/";
    List<String> out = new ArrayList<>();
    for (String path : children(prefix).keySet()) {
      String name = path.substring(prefix.length());
      if (!name.contains("/")) {
        out.add(name);
      }
    }
    return out;
  }

  private SortedMap<String, List<Claim>> children(String prefix) {
    return entries.subMap(prefix, prefix + Character.MAX_VALUE);
  }

  @Override
  public Optional<byte[]> readFile(String path) {
    return value(path);
  }

  @Override
  public boolean createFileIfAbsent(String path, byte[] content) {
    return publishIfAbsent(path, content);
  }

  @Override
  public void deleteFile(String path) {
    remove(path);
  }

  /**
   * Withdraws claims that lost a race but were never withdrawn (their writer died between its write
   * and its read-back), older than {@code olderThan}; a topic has no temporary files.
   */
  @Override
  public synchronized int removeStaleTemporaries(Duration olderThan) {
    catchUp();
    long cutoff = System.currentTimeMillis() - olderThan.toMillis();
    List<String[]> stale = new ArrayList<>();
    entries.forEach(
        (path, claims) -> {
          for (Claim c : claims.subList(1, claims.size())) {
            if (c.timestamp < cutoff) {
              stale.add(new String[] {path, c.claim});
            }
          }
        });
    long last = -1;
    for (String[] s : stale) {
      last = append(s[0], s[1], null);
    }
    if (last >= 0) {
      catchUpTo(last);
    }
    return stale.size();
  }

  @Override
  public synchronized void close() throws IOException {
    try {
      if (producer != null) {
        producer.close(config.timeout());
      }
    } finally {
      consumer.close(config.timeout());
    }
  }

  private long millis() {
    return config.timeout().toMillis();
  }

  private RegistryException failure(KeyId id, String message, Throwable cause) {
    String acl = aclHint(cause);
    return new RegistryException(location, id, message + acl, cause);
  }

  /** Says which ACL is missing when the broker refused one. */
  private String aclHint(Throwable cause) {
    if (cause instanceof TopicAuthorizationException) {
      return ": the principal lacks an ACL on topic '"
          + config.topic()
          + "' (readers need Read and Describe, writers also Write, creating it needs Create;"
          + " docs/kafka.md, \"Registry on a compacted topic\")";
    }
    if (cause instanceof ClusterAuthorizationException) {
      return ": the principal lacks a cluster ACL (creating the registry topic '"
          + config.topic()
          + "' needs Create on it or on the cluster)";
    }
    if (cause instanceof AuthorizationException) {
      return ": authorization failed for registry topic '" + config.topic() + "'";
    }
    return cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage();
  }

  @Override
  public String toString() {
    return "TopicRegistryStore[" + location + "]";
  }
}
