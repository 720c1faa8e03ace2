package dev.pipeseal.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.testing.MotoServer;
import dev.pipeseal.parquet.crypto.PipesealCryptoFactory;
import dev.pipeseal.parquet.testing.KeySources;
import dev.pipeseal.parquet.testing.Rows;
import dev.pipeseal.spark.PipesealExtensions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * AWS KMS (a moto_server child process) through every connector, unchanged: Kafka serializer,
 * Parquet modular encryption and the Spark functions; and a lake written under the local key store
 * and then under AWS KMS, read in one job with the local store configured as a reader only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AwsKmsConnectorsTest {
  @TempDir static Path dir;
  private MotoServer moto;
  private Map<String, String> aws;
  private Map<String, String> local;

  @BeforeAll
  void setUp() throws Exception {
    Optional<MotoServer> server = MotoServer.startIfInstalled(dir);
    assumeTrue(server.isPresent(), MotoServer.MISSING);
    moto = server.get();
    Files.writeString(dir.resolve("aws.id"), "testing\n");
    Files.writeString(dir.resolve("aws.secret"), "testing\n");
    aws = new HashMap<>();
    aws.put("pipeseal.kms.uri", "aws-kms://us-east-1");
    aws.put("pipeseal.kms.provider.endpoint", moto.endpoint().toString());
    aws.put("pipeseal.kms.provider.access-key-id", "file:" + dir.resolve("aws.id"));
    aws.put("pipeseal.kms.provider.secret-access-key", "file:" + dir.resolve("aws.secret"));
    aws.put("pipeseal.kms.audit.sink", "none");
    Files.writeString(dir.resolve("ks.pass"), "local store password\n");
    local = new HashMap<>();
    local.put("pipeseal.kms.uri", "local://" + dir.resolve("keys.p12"));
    local.put("pipeseal.kms.provider.password", "file:" + dir.resolve("ks.pass"));
    local.put("pipeseal.kms.audit.sink", "none");
    Map<String, String> createLocal = new HashMap<>(local);
    createLocal.put("pipeseal.kms.provider.create", "true");
    try (KmsBridge kms = KmsBridge.open(createLocal)) {
      kms.admin().orElseThrow().createKey("pii");
    }
    try (KmsBridge kms = KmsBridge.open(aws)) {
      kms.admin().orElseThrow().createKey("pii");
    }
  }

  @AfterAll
  void tearDown() {
    KeySources.reset();
    if (moto != null) {
      moto.close();
    }
  }

  /** AWS as the writer, the local store as an additional reader. */
  private Map<String, String> awsWithLocalReader() {
    Map<String, String> p = new HashMap<>(aws);
    p.put("pipeseal.kms.providers.local.uri", local.get("pipeseal.kms.uri"));
    p.put("pipeseal.kms.providers.local.password", local.get("pipeseal.kms.provider.password"));
    return p;
  }

  @Test
  void kafkaSerializerRoundTrip() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start()) {
      String topic = broker.createTopic("aws", 2, false);
      Map<String, Object> producer = new HashMap<>(aws);
      producer.put("key.serializer", StringSerializer.class.getName());
      producer.put("value.serializer", EncryptingSerializer.class.getName());
      producer.put("pipeseal.serializer", StringSerializer.class.getName());
      producer.put("pipeseal.master-key", "pii");
      int n = 300;
      try (KafkaProducer<String, String> p = broker.producer(producer)) {
        for (int i = 0; i < n; i++) {
          p.send(new ProducerRecord<>(topic, "k" + i, "ssn 123-45-" + (1000 + i)));
        }
        p.flush();
      }
      for (ConsumerRecord<byte[], byte[]> raw : broker.readRaw(topic, n)) {
        assertThat(new String(raw.value(), StandardCharsets.ISO_8859_1)).doesNotContain("123-45-");
      }
      Map<String, Object> consumer = new HashMap<>(aws);
      consumer.put("key.deserializer", StringDeserializer.class.getName());
      consumer.put("value.deserializer", DecryptingDeserializer.class.getName());
      consumer.put("pipeseal.deserializer", StringDeserializer.class.getName());
      try (KafkaConsumer<String, String> c = broker.consumer(consumer)) {
        List<ConsumerRecord<String, String>> records = KafkaBroker.drain(c, topic, n);
        assertThat(records).hasSize(n).allMatch(r -> r.value().startsWith("ssn 123-45-"));
      }
    }
  }

  @Test
  void parquetLakeWrittenUnderLocalThenAwsReadsInOneJob() throws Exception {
    Path table = Files.createDirectories(dir.resolve("lake"));
    org.apache.hadoop.fs.Path before =
        new org.apache.hadoop.fs.Path(table.resolve("part-local.parquet").toUri());
    org.apache.hadoop.fs.Path after =
        new org.apache.hadoop.fs.Path(table.resolve("part-aws.parquet").toUri());
    Rows.write(Rows.conf(parquet(local)), before, 200);
    KeySources.reset();
    Rows.write(Rows.conf(parquet(awsWithLocalReader())), after, 200);
    KeySources.reset();

    Map<String, String> readAll = parquet(awsWithLocalReader());
    Rows.verify(Rows.read(Rows.conf(readAll), before, null), 200);
    Rows.verify(Rows.read(Rows.conf(readAll), after, null), 200);
    KeySources.reset();

    // AWS alone reads its own file; the older file names the provider it needs.
    Map<String, String> awsOnly = parquet(aws);
    Rows.verify(Rows.read(Rows.conf(awsOnly), after, null), 200);
    // Parquet reports a footer key failure without its cause; the bridge's error is checked below.
    assertThatThrownBy(() -> Rows.read(Rows.conf(awsOnly), before, null))
        .isInstanceOf(org.apache.parquet.crypto.KeyAccessDeniedException.class);
    KeySources.reset();
    WrappedKey localKey;
    try (KmsBridge kms = KmsBridge.open(local);
        DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"))) {
      localKey = pair.wrapped();
    }
    try (KmsBridge kms = KmsBridge.open(aws)) {
      assertThatThrownBy(() -> KmsCalls.await(kms.unwrap(localKey)))
          .isInstanceOf(KmsConfigException.class)
          .hasMessageContaining("[local key 'pii']")
          .hasMessageContaining("not configured");
    }
  }

  private static Map<String, String> parquet(Map<String, String> kms) {
    Map<String, String> p = new HashMap<>(kms);
    p.put("parquet.crypto.factory.class", PipesealCryptoFactory.class.getName());
    p.put("pipeseal.parquet.columns.pii", "ssn,type:array<float>");
    p.put("pipeseal.parquet.footer.key", "pii");
    return p;
  }

  @Test
  void sparkFunctionsRoundTrip() {
    Map<String, String> conf = new HashMap<>();
    aws.forEach((k, v) -> conf.put("spark." + k, v));
    conf.put("spark.pipeseal.registry.location", dir.resolve("registry").toString());
    conf.put("spark.pipeseal.default-master-key", "pii");
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal-it-aws")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.extensions", PipesealExtensions.class.getName());
    conf.forEach(b::config);
    SparkSession spark = b.getOrCreate();
    try {
      String table = dir.resolve("people").toString();
      spark
          .sql(
              "SELECT id, pipeseal_encrypt(concat('ssn-', id), 'pii', 'people.ssn') AS ssn"
                  + " FROM range(0, 300, 1, 3)")
          .write()
          .parquet(table);
      List<Row> rows =
          spark
              .read()
              .parquet(table)
              .selectExpr("id", "pipeseal_decrypt(ssn, 'string', 'people.ssn') AS ssn")
              .collectAsList();
      assertThat(rows).hasSize(300).allMatch(r -> r.getString(1).equals("ssn-" + r.getLong(0)));
    } finally {
      spark.stop();
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
      SharedKmsBridges.closeAll();
    }
  }
}
