package dev.pipeseal.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.metrics.DataPathMetrics;
import dev.pipeseal.kms.metrics.DecryptFailureKind;
import dev.pipeseal.kms.metrics.DecryptFailures;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import javax.management.AttributeNotFoundException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decrypt failures by kind and values encrypted, read back over JMX from the platform MBean server
 * as an operator's JConsole or the Prometheus JMX exporter would.
 */
class DataPathMetricsJmxTest {
  private static final EnvelopeContext SSN = EnvelopeContext.of("jmx.users.ssn");
  private static final EnvelopeContext NAME = EnvelopeContext.of("jmx.users.name");

  @TempDir Path dir;
  private KmsBridge kms;
  private KeyRegistry registry;
  private EnvelopeKeys keys;
  private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

  @BeforeEach
  void open() throws Exception {
    Path pass = dir.resolve("pass");
    Files.writeString(pass, "secret\n");
    kms =
        KmsBridge.open(
            Map.of(
                "pipeseal.kms.uri",
                "local://" + dir.resolve("keys.p12"),
                "pipeseal.kms.provider.password",
                "file:" + pass,
                "pipeseal.kms.provider.create",
                "true",
                "pipeseal.kms.audit.sink",
                "none"));
    kms.admin().orElseThrow().createKey("jmx-pii");
    registry = KeyRegistries.open(dir.resolve("registry"));
    keys = EnvelopeKeys.withRegistry(kms, registry);
  }

  @AfterEach
  void close() {
    registry.close();
    kms.close();
  }

  private double attribute(String name) throws Exception {
    try {
      return ((Number) jmx.getAttribute(new ObjectName(DataPathMetrics.MBEAN_NAME), name))
          .doubleValue();
    } catch (AttributeNotFoundException e) {
      return 0; // a series appears with its first failure
    }
  }

  private static byte[] seal(KeyReference ref, DataKeyPair pair, String text) {
    try (EnvelopeEncryptor enc =
        EnvelopeEncryptor.create(pair.plaintext(), Algorithm.XAES_256_GCM, ref)) {
      return enc.encrypt(text.getBytes(StandardCharsets.UTF_8), SSN);
    }
  }

  @Test
  void everyFailureIsCountedByKindAndContextOnJmx() throws Exception {
    DecryptFailures own = DecryptFailures.child();
    String moved = "decryptFailures.authentication_failed.jmx.users.name";
    String tampered = "decryptFailures.authentication_failed.jmx.users.ssn";
    String truncated = "decryptFailures.truncated.jmx.users.ssn";
    String notEnvelope = "decryptFailures.unsupported_version.jmx.users.ssn";
    String unknown = "decryptFailures.unknown_key.jmx.users.ssn";
    double movedBefore = attribute(moved);
    double tamperedBefore = attribute(tampered);
    double truncatedBefore = attribute(truncated);
    double notEnvelopeBefore = attribute(notEnvelope);
    double unknownBefore = attribute(unknown);
    try (DataKeyPair pair = keys.generate("jmx-pii");
        EnvelopeReader reader =
            new EnvelopeReader(keys, EnvelopeReader.DEFAULT_MAX_KEYS, null, own)) {
      byte[] good = seal(keys.inlineReference(pair.wrapped()), pair, "123-45-6789");
      for (int i = 0; i < 100; i++) {
        assertThat(reader.decrypt(good, SSN)).isNotEmpty();
      }
      assertThat(own.total()).as("the success path counts nothing").isZero();

      assertThatThrownBy(() -> reader.decrypt(good, NAME))
          .isInstanceOf(UndecryptableValueException.class);
      byte[] flipped = good.clone();
      flipped[flipped.length - 1] ^= 1;
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> reader.decrypt(flipped, SSN))
            .isInstanceOf(UndecryptableValueException.class);
      }
      byte[] cut = Arrays.copyOf(good, 20);
      assertThatThrownBy(() -> reader.decrypt(cut, SSN))
          .isInstanceOf(UndecryptableValueException.class);
      assertThatThrownBy(() -> reader.decrypt("plain".getBytes(StandardCharsets.UTF_8), SSN))
          .isInstanceOf(UndecryptableValueException.class);
      byte[] unknownId = seal(KeyReference.registryKeyId(new byte[8]), pair, "x");
      assertThatThrownBy(() -> reader.decrypt(unknownId, SSN))
          .isInstanceOf(UndecryptableValueException.class);
    }

    assertThat(own.count(DecryptFailureKind.AUTHENTICATION_FAILED)).isEqualTo(3);
    assertThat(own.count(DecryptFailureKind.TRUNCATED)).isEqualTo(1);
    assertThat(own.count(DecryptFailureKind.UNSUPPORTED_VERSION)).isEqualTo(1);
    assertThat(own.count(DecryptFailureKind.UNKNOWN_KEY)).isEqualTo(1);
    assertThat(own.total()).isEqualTo(6);
    // The reader's own counters also reach the JVM's, which JMX shows per kind and context.
    assertThat(attribute(moved) - movedBefore).isEqualTo(1);
    assertThat(attribute(tampered) - tamperedBefore).isEqualTo(2);
    assertThat(attribute(truncated) - truncatedBefore).isEqualTo(1);
    assertThat(attribute(notEnvelope) - notEnvelopeBefore).isEqualTo(1);
    assertThat(attribute(unknown) - unknownBefore).isEqualTo(1);
    assertThat(jmx.getMBeanInfo(new ObjectName(DataPathMetrics.MBEAN_NAME)).getAttributes().length)
        .isGreaterThanOrEqualTo(5);
  }

  @Test
  void valuesEncryptedPerMasterKeyOnJmxWhileTheWriterRunsAndAfter() throws Exception {
    String attr = "valuesEncrypted.jmx-pii";
    double before = attribute(attr);
    // Small DEK limits: 250 values span several DEK generations.
    DekLimits limits = new DekLimits(100, Duration.ofHours(1), 0.5, Duration.ofSeconds(30));
    try (RotatingEnvelopeWriter w = RotatingEnvelopeWriter.start(keys, "jmx-pii", limits)) {
      for (int i = 0; i < 250; i++) {
        w.encrypt(("v" + i).getBytes(StandardCharsets.UTF_8), SSN);
      }
      assertThat(w.generations()).isGreaterThanOrEqualTo(3);
      assertThat(w.valuesEncrypted()).isEqualTo(250);
      assertThat(attribute(attr) - before).isEqualTo(250);
    }
    assertThat(attribute(attr) - before).as("kept after the writer closes").isEqualTo(250);
  }
}
