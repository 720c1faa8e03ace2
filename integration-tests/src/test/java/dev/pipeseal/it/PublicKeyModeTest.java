package dev.pipeseal.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.parquet.crypto.PipesealCryptoFactory;
import dev.pipeseal.parquet.testing.KeySources;
import dev.pipeseal.parquet.testing.Rows;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The post-quantum public-key mode through the connectors, unchanged: a producer and a Parquet
 * writer configured with recipient public keys only can write; only a holder of the private keys
 * can read, and a write-only configuration reading back fails with a clear error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublicKeyModeTest {
  private static final String RECIPIENT = "lake-team";

  @TempDir static Path dir;
  private KafkaBroker broker;
  private Map<String, String> writer;
  private Map<String, String> reader;

  @BeforeAll
  void setUp() throws Exception {
    Path recipients = dir.resolve("recipients.pub");
    Path password = dir.resolve("private.pass");
    Files.writeString(password, "private-store-password\n");
    writer = new HashMap<>();
    writer.put("pipeseal.kms.uri", "hybrid://" + recipients);
    writer.put("pipeseal.kms.audit.sink", "none");
    reader = new HashMap<>(writer);
    reader.put("pipeseal.kms.provider.private-keys", dir.resolve("private.p12").toString());
    reader.put("pipeseal.kms.provider.password", "file:" + password);
    Map<String, String> admin = new HashMap<>(reader);
    admin.put("pipeseal.kms.provider.create", "true");
    try (KmsBridge kms = KmsBridge.open(admin)) {
      kms.admin().orElseThrow().createKey(RECIPIENT);
    }
    broker = KafkaBroker.start();
  }

  @AfterAll
  void tearDown() throws Exception {
    broker.close();
    KeySources.reset();
  }

  private Map<String, Object> consumer(Map<String, String> kms) {
    Map<String, Object> p = new HashMap<>(kms);
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", DecryptingDeserializer.class.getName());
    p.put("pipeseal.deserializer", StringDeserializer.class.getName());
    return p;
  }

  @Test
  void kafkaProducerWithPublicKeysOnly() {
    String topic = broker.createTopic("pq", 2, false);
    Map<String, Object> producer = new HashMap<>(writer);
    producer.put("key.serializer", StringSerializer.class.getName());
    producer.put("value.serializer", EncryptingSerializer.class.getName());
    producer.put("pipeseal.serializer", StringSerializer.class.getName());
    producer.put("pipeseal.master-key", RECIPIENT);
    int n = 500;
    try (KafkaProducer<String, String> p = broker.producer(producer)) {
      for (int i = 0; i < n; i++) {
        p.send(new ProducerRecord<>(topic, "k" + i, "ssn 123-45-" + (1000 + i)));
      }
      p.flush();
    }
    for (ConsumerRecord<byte[], byte[]> raw : broker.readRaw(topic, n)) {
      assertThat(new String(raw.value(), StandardCharsets.ISO_8859_1)).doesNotContain("123-45-");
    }
    try (KafkaConsumer<String, String> c = broker.consumer(consumer(reader))) {
      List<ConsumerRecord<String, String>> records = KafkaBroker.drain(c, topic, n);
      assertThat(records).hasSize(n).allMatch(r -> r.value().startsWith("ssn 123-45-"));
    }
    // The producer's own configuration cannot read what it wrote (in a process of its own: within
    // one JVM the shared bridge may still hold the DEKs it generated).
    SharedKmsBridges.closeAll();
    try (KafkaConsumer<String, String> c = broker.consumer(consumer(writer))) {
      assertThatThrownBy(() -> KafkaBroker.drain(c, topic, 1))
          .hasStackTraceContaining("private key")
          .hasStackTraceContaining(RECIPIENT);
    }
  }

  @Test
  void parquetWriterWithPublicKeysOnly() throws Exception {
    Map<String, String> write = new HashMap<>(writer);
    write.put("parquet.crypto.factory.class", PipesealCryptoFactory.class.getName());
    write.put("pipeseal.parquet.columns." + RECIPIENT, "ssn,type:array<float>");
    write.put("pipeseal.parquet.footer.key", RECIPIENT);
    Path table = Files.createDirectories(dir.resolve("table"));
    org.apache.hadoop.fs.Path file =
        new org.apache.hadoop.fs.Path(table.resolve("part-0.parquet").toUri());
    Rows.write(Rows.conf(write), file, 300);

    Map<String, String> read = new HashMap<>(reader);
    read.put("parquet.crypto.factory.class", PipesealCryptoFactory.class.getName());
    Rows.verify(Rows.read(Rows.conf(read), file, null), 300);

    // A writer process (a fresh bridge: the KEK it generated is gone) cannot read the file.
    KeySources.reset();
    Map<String, String> readAsWriter = new HashMap<>(writer);
    readAsWriter.put("parquet.crypto.factory.class", PipesealCryptoFactory.class.getName());
    Configuration conf = Rows.conf(readAsWriter);
    assertThatThrownBy(() -> Rows.read(conf, file, null)).hasStackTraceContaining("private key");
  }
}
