package dev.pipeseal.kafka.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptionHeaders;
import dev.pipeseal.kafka.testing.KafkaBroker;
import dev.pipeseal.kafka.testing.LocalKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.tools.ConsoleProducer;
import org.apache.kafka.tools.consumer.ConsoleConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The stock console producer and consumer, configured with --property settings only. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleToolsTest {
  @TempDir static Path dir;
  private KafkaBroker broker;
  private LocalKeys keys;
  private final List<Runnable> hooks = new ArrayList<>();

  @BeforeAll
  void start() {
    broker = KafkaBroker.start();
    keys = LocalKeys.create(dir.resolve("keys"), "orders");
    // The tools end with Exit.exit and close their clients in shutdown hooks: run them here.
    Exit.setExitProcedure((code, msg) -> {});
    Exit.setShutdownHookAdder((name, hook) -> hooks.add(hook));
  }

  @AfterEach
  void runHooks() {
    hooks.forEach(Runnable::run);
    hooks.clear();
  }

  @AfterAll
  void stop() throws Exception {
    Exit.resetExitProcedure();
    Exit.resetShutdownHookAdder();
    broker.close();
  }

  private List<String> kmsProperties(String option, String prefix) {
    List<String> args = new ArrayList<>();
    for (Map.Entry<String, String> e : keys.properties().entrySet()) {
      args.add(option);
      args.add(prefix + e.getKey() + "=" + e.getValue());
    }
    return args;
  }

  @Test
  void consoleProducerEncryptsAndConsoleConsumerDecrypts() throws Exception {
    String topic = broker.createTopic("console", 1, false);
    Path dek = dir.resolve("orders-key.dek");
    Files.writeString(dek, keys.newDeterministicDek("orders"));
    List<String> args =
        new ArrayList<>(
            List.of(
                "--bootstrap-server",
                broker.bootstrap(),
                "--topic",
                topic,
                "--sync",
                "--line-reader",
                EncryptingLineReader.class.getName(),
                "--reader-property",
                "parse.key=true",
                "--reader-property",
                "key.separator=:",
                "--reader-property",
                "pipeseal.master-key=orders",
                "--reader-property",
                "pipeseal.key.deterministic.dek=file:" + dek));
    args.addAll(kmsProperties("--reader-property", ""));
    InputStream stdin = System.in;
    try {
      System.setIn(
          new ByteArrayInputStream(
              "alice:card 4111\nbob:card 5500\n".getBytes(StandardCharsets.UTF_8)));
      ConsoleProducer.main(args.toArray(String[]::new));
    } finally {
      System.setIn(stdin);
    }
    hooks.forEach(Runnable::run);
    hooks.clear();

    List<ConsumerRecord<byte[], byte[]>> raw = broker.readRaw(topic, 2);
    assertThat(raw).hasSize(2);
    for (ConsumerRecord<byte[], byte[]> r : raw) {
      // Values with inline references are v2 by default; deterministic keys stay v1.
      assertThat(r.value()[0]).isEqualTo((byte) Envelope.VERSION_2);
      assertThat(r.key()[0]).isEqualTo((byte) Envelope.VERSION_1);
      assertThat(r.headers().lastHeader(EncryptionHeaders.VALUE)).isNull(); // not by default
      assertThat(new String(r.value(), StandardCharsets.ISO_8859_1)).doesNotContain("card");
    }

    List<String> cargs =
        new ArrayList<>(
            List.of(
                "--bootstrap-server",
                broker.bootstrap(),
                "--topic",
                topic,
                "--from-beginning",
                "--max-messages",
                "2",
                "--formatter-property",
                "print.key=true",
                "--formatter-property",
                "key.separator=:",
                "--formatter-property",
                "key.deserializer=" + DecryptingDeserializer.class.getName(),
                "--formatter-property",
                "value.deserializer=" + DecryptingDeserializer.class.getName(),
                "--formatter-property",
                "key.deserializer.pipeseal.deserializer="
                    + "org.apache.kafka.common.serialization.StringDeserializer",
                "--formatter-property",
                "value.deserializer.pipeseal.deserializer="
                    + "org.apache.kafka.common.serialization.StringDeserializer"));
    cargs.addAll(kmsProperties("--formatter-property", "key.deserializer."));
    cargs.addAll(kmsProperties("--formatter-property", "value.deserializer."));
    PrintStream stdout = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      ConsoleConsumer.main(cargs.toArray(String[]::new));
    } finally {
      System.setOut(stdout);
    }
    assertThat(out.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("alice:card 4111", "bob:card 5500");
  }
}
