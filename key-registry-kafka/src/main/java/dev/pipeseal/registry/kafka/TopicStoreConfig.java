package dev.pipeseal.registry.kafka;

import dev.pipeseal.kms.secret.Secret;
import dev.pipeseal.kms.secret.SecretReference;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Settings;
import dev.pipeseal.kms.settings.SettingsException;
import dev.pipeseal.registry.RegistryConfig;
import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Settings of the topic store: the topic (from the location {@code kafka:TOPIC}), its own settings
 * ({@code registry.kafka.topic.*}, {@code registry.kafka.timeout}) and the Kafka client properties
 * handed to its admin client, producer and consumer (every other {@code registry.kafka.*} name, and
 * {@code ?name=value} pairs of the location). Password-typed client properties ({@code
 * sasl.jaas.config}, {@code ssl.*.password} ...) must be {@code env:}/{@code file:} references;
 * their values are resolved here and never appear in messages or {@link #toString}.
 *
 * @param topic the registry topic
 * @param createTopic create the topic (compacted, one partition) when it does not exist
 * @param replicationFactor replication factor of a created topic, or -1 for the broker's default
 * @param minInsyncReplicas {@code min.insync.replicas} of a created topic, or -1 for the broker's
 * @param timeout bound on every broker call (catch-up, write, topic checks)
 * @param clientProperties Kafka client properties, secrets resolved
 */
record TopicStoreConfig(
    String topic,
    boolean createTopic,
    int replicationFactor,
    int minInsyncReplicas,
    Duration timeout,
    Map<String, String> clientProperties) {

  private static final String PREFIX = RegistryConfig.KAFKA_PREFIX;
  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

  static final Property<Boolean> CREATE_TOPIC =
      Property.bool(
          PREFIX + "topic.create",
          true,
          "Create the registry topic (cleanup.policy=compact, one partition) when it does not"
              + " exist; needs the Create ACL. When false, a missing topic is an error.");

  static final Property<Integer> REPLICATION_FACTOR =
      Property.integer(
              PREFIX + "topic.replication-factor",
              -1,
              -1,
              Short.MAX_VALUE,
              "Replication factor of a registry topic this store creates (-1: the broker's"
                  + " default.replication.factor). Use 3 in production: the topic holds every"
                  + " data key.")
          .withCheck(n -> n != 0, "must be -1 or at least 1");

  static final Property<Integer> MIN_INSYNC_REPLICAS =
      Property.integer(
              PREFIX + "topic.min-insync-replicas",
              -1,
              -1,
              Short.MAX_VALUE,
              "min.insync.replicas of a registry topic this store creates (-1: the broker's"
                  + " default). With acks=all, 2 of 3 replicas means a key is on two brokers"
                  + " before the first record naming it is sent.")
          .withCheck(n -> n != 0, "must be -1 or at least 1");

  static final Property<Duration> TIMEOUT =
      Property.duration(
              PREFIX + "timeout",
              Duration.ofSeconds(30),
              ChronoUnit.MILLIS,
              "Bound on each registry topic operation: reading to the end offset, a synchronous"
                  + " write (acks=all), the topic checks at open.")
          .withCheck(d -> !d.isNegative() && !d.isZero(), "must be positive");

  /** The store's settings, for {@code docs/settings.md}. */
  static final PropertySet PROPERTIES =
      PropertySet.of(
              "key registry on a Kafka topic",
              "",
              CREATE_TOPIC,
              REPLICATION_FACTOR,
              MIN_INSYNC_REPLICAS,
              TIMEOUT)
          .withPassThrough(
              PREFIX,
              "Kafka client properties of the registry's admin client, producer and consumer"
                  + " (bootstrap.servers, security.protocol, sasl.*, ssl.* ...); password-typed"
                  + " ones (sasl.jaas.config, ssl.*.password) only as env:/file: references");

  /** Every producer, consumer and admin client property name Kafka knows. */
  private static final Set<String> CLIENT_NAMES = clientNames();

  private static final Set<String> PASSWORDS = passwordNames();

  /** What this store sets itself: the write and read guarantees depend on them. */
  private static final Set<String> FIXED =
      Set.of(
          ProducerConfig.ACKS_CONFIG,
          ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
          ProducerConfig.TRANSACTIONAL_ID_CONFIG,
          ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
          ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
          ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
          ConsumerConfig.GROUP_ID_CONFIG,
          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
          ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
          ConsumerConfig.ISOLATION_LEVEL_CONFIG);

  TopicStoreConfig {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(timeout, "timeout");
    clientProperties = Map.copyOf(clientProperties);
  }

  /**
   * Parses {@code config}: its location {@code kafka:TOPIC} (or {@code kafka://TOPIC}), optionally
   * with {@code ?name=value&...} client properties, and its {@code registry.kafka.*} options.
   *
   * @throws IllegalArgumentException naming the setting (never a secret's value) on any problem
   */
  static TopicStoreConfig parse(RegistryConfig config) {
    URI location = config.location();
    String rest = location.getRawSchemeSpecificPart();
    if (rest.startsWith("//")) {
      rest = rest.substring(2);
    }
    String query = null;
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    if (!TOPIC.matcher(rest).matches()) {
      throw new IllegalArgumentException(
          "registry location "
              + location.getScheme()
              + ":"
              + rest
              + " does not name a Kafka topic (kafka:TOPIC, topic of A-Z a-z 0-9 . _ -)");
    }
    Map<String, String> options = new TreeMap<>();
    config
        .options()
        .forEach(
            (k, v) -> {
              if (k.startsWith(PREFIX)) {
                options.put(k, v);
              }
            });
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "registry location query part '" + pair.split("=")[0] + "' is not name=value");
        }
        String name = PREFIX + decode(pair.substring(0, eq));
        if (options.putIfAbsent(name, decode(pair.substring(eq + 1))) != null) {
          throw new IllegalArgumentException(
              "'" + name + "' is given both in the registry location and as a setting");
        }
      }
    }
    Settings own = Settings.of(ownOptions(options)).withSource("registry");
    Map<String, String> client = new LinkedHashMap<>();
    try {
      own.validate(PropertySet.of("key registry on a Kafka topic", "", ownProperties()));
      for (Map.Entry<String, String> e : options.entrySet()) {
        String name = e.getKey().substring(PREFIX.length());
        if (isOwn(e.getKey())) {
          continue;
        }
        if (!CLIENT_NAMES.contains(name)) {
          throw new IllegalArgumentException(
              "unknown property '"
                  + e.getKey()
                  + "': neither a setting of the registry topic store nor a Kafka client property");
        }
        if (FIXED.contains(name)) {
          throw new IllegalArgumentException(
              "'"
                  + e.getKey()
                  + "' is set by the registry topic store itself (acks=all, idempotence, no"
                  + " consumer group) and cannot be changed");
        }
        client.put(
            name, PASSWORDS.contains(name) ? resolve(e.getKey(), e.getValue()) : e.getValue());
      }
      if (!client.containsKey(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
        throw new IllegalArgumentException(
            "a registry on kafka:"
                + rest
                + " needs '"
                + PREFIX
                + AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG
                + "' (or ?bootstrap.servers=... in the location)");
      }
      return new TopicStoreConfig(
          rest,
          own.get(CREATE_TOPIC),
          own.get(REPLICATION_FACTOR),
          own.get(MIN_INSYNC_REPLICAS),
          own.get(TIMEOUT),
          client);
    } catch (SettingsException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static Property<?>[] ownProperties() {
    return new Property<?>[] {CREATE_TOPIC, REPLICATION_FACTOR, MIN_INSYNC_REPLICAS, TIMEOUT};
  }

  private static boolean isOwn(String name) {
    return name.startsWith(PREFIX + "topic.") || name.equals(TIMEOUT.name());
  }

  private static Map<String, String> ownOptions(Map<String, String> options) {
    Map<String, String> own = new HashMap<>();
    options.forEach(
        (k, v) -> {
          if (isOwn(k)) {
            own.put(k, v);
          }
        });
    return own;
  }

  private static String resolve(String name, String value) {
    if (!SecretReference.isReference(value)) {
      throw new IllegalArgumentException(
          "'"
              + name
              + "' is a password; give it as env:NAME or file:/path, not inline (the value is not"
              + " repeated here)");
    }
    try (Secret s = SecretSource.system().secret(SecretReference.parse(value), "registry", name)) {
      return s.asString();
    }
  }

  private static String decode(String s) {
    return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static Set<String> clientNames() {
    Set<String> names = new TreeSet<>();
    names.addAll(ProducerConfig.configNames());
    names.addAll(ConsumerConfig.configNames());
    names.addAll(AdminClientConfig.configNames());
    return names;
  }

  private static Set<String> passwordNames() {
    Set<String> names = new TreeSet<>();
    for (ConfigDef def :
        new ConfigDef[] {
          ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef()
        }) {
      def.configKeys()
          .forEach(
              (name, key) -> {
                if (key.type == ConfigDef.Type.PASSWORD) {
                  names.add(name);
                }
              });
    }
    return names;
  }

  /** Names the settings but not the client properties' values, which may hold credentials. */
  @Override
  public String toString() {
    return "TopicStoreConfig[topic="
        + topic
        + ", createTopic="
        + createTopic
        + ", replicationFactor="
        + replicationFactor
        + ", minInsyncReplicas="
        + minInsyncReplicas
        + ", timeout="
        + timeout
        + ", clientProperties="
        + new TreeSet<>(clientProperties.keySet())
        + "]";
  }
}
