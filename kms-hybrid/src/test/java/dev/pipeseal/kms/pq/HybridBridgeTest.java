package dev.pipeseal.kms.pq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.EnvelopeReader;
import dev.pipeseal.envelope.UndecryptableValueException;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.registry.rotation.RegistryRewrapper;
import dev.pipeseal.registry.rotation.RewrapReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hybrid provider behind {@link KmsBridge}, as connectors use it: nothing provider specific.
 * Writers hold public keys only; readers hold the private key store. Runs with the KEK layer on
 * (the default) and off.
 */
class HybridBridgeTest {
  private static final EnvelopeContext CTX = EnvelopeContext.of("topic/embedding");
  private static final String SET = "data-team+break-glass";

  @TempDir Path dir;
  private HybridFixture fx;

  @BeforeEach
  void setUp() {
    fx = new HybridFixture(dir);
    try (HybridKms admin = fx.reader("admin")) {
      admin.createKey("data-team");
      admin.createKey("break-glass");
    }
  }

  private KmsBridge bridge(Map<String, String> base, boolean kek) {
    Map<String, String> p = new HashMap<>(base);
    p.put("pipeseal.kms.uri", fx.uri().toString());
    p.put("pipeseal.kms.audit.sink", "none");
    p.put("pipeseal.kms.kek.enabled", String.valueOf(kek));
    return KmsBridge.open(p);
  }

  private KmsBridge writer(boolean kek) {
    return bridge(Map.of(), kek);
  }

  private KmsBridge reader(boolean kek) {
    return bridge(fx.readerProperties("admin"), kek);
  }

  private static byte[] seal(EnvelopeKeys keys, String text) {
    try (DataKeyPair pair = keys.generate(SET);
        EnvelopeEncryptor enc =
            EnvelopeEncryptor.create(
                pair.plaintext(), Algorithm.XAES_256_GCM, keys.inlineReference(pair.wrapped()))) {
      return enc.encrypt(text.getBytes(StandardCharsets.UTF_8), CTX);
    }
  }

  @ParameterizedTest(name = "kek={0}")
  @ValueSource(booleans = {true, false})
  void writerWithPublicKeysOnlyToReaderWithPrivateKeys(boolean kek) {
    try (KmsBridge writer = writer(kek);
        KmsBridge reader = reader(kek);
        EnvelopeReader values = new EnvelopeReader(EnvelopeKeys.inline(reader))) {
      byte[] envelope = seal(EnvelopeKeys.inline(writer), "secret row");
      assertThat(new String(values.decrypt(envelope, CTX), StandardCharsets.UTF_8))
          .isEqualTo("secret row");
    }
  }

  @ParameterizedTest(name = "kek={0}")
  @ValueSource(booleans = {true, false})
  void aWriterCannotReadAnotherWritersData(boolean kek) {
    try (KmsBridge writerA = writer(kek);
        KmsBridge writerB = writer(kek);
        EnvelopeReader readsAsB = new EnvelopeReader(EnvelopeKeys.inline(writerB))) {
      byte[] fromA = seal(EnvelopeKeys.inline(writerA), "written by A");
      assertThatThrownBy(() -> readsAsB.decrypt(fromA, CTX))
          .isInstanceOf(UndecryptableValueException.class)
          .hasCauseInstanceOf(NoPrivateKeyException.class)
          .hasMessageContaining("no private key for recipient data-team@1, break-glass@1");
    }
  }

  @Test
  void aRestartedWriterCannotReadWhatItWroteBefore() {
    byte[] before;
    try (KmsBridge writer = writer(true)) {
      before = seal(EnvelopeKeys.inline(writer), "yesterday");
    }
    try (KmsBridge writer = writer(true);
        EnvelopeReader values = new EnvelopeReader(EnvelopeKeys.inline(writer))) {
      assertThatThrownBy(() -> values.decrypt(before, CTX))
          .isInstanceOf(UndecryptableValueException.class)
          .hasCauseInstanceOf(NoPrivateKeyException.class);
    }
  }

  @Test
  void registryRewrapRunsWhereThePrivateKeysAre() throws Exception {
    try (KmsBridge writer = writer(true);
        KeyRegistry registry = KeyRegistries.open(dir.resolve("registry"))) {
      EnvelopeKeys keys = EnvelopeKeys.withRegistry(writer, registry);
      byte[] envelope;
      try (DataKeyPair pair = keys.generate(SET);
          EnvelopeEncryptor enc =
              EnvelopeEncryptor.create(
                  pair.plaintext(),
                  Algorithm.XAES_256_GCM,
                  keys.registryReference(pair.wrapped()))) {
        envelope = enc.encrypt("row".getBytes(StandardCharsets.UTF_8), CTX);
      }
      try (HybridKms admin = fx.reader("admin")) {
        admin.rotateKey("break-glass");
      }
      try (KmsBridge reader = reader(true)) {
        RewrapReport report =
            new RegistryRewrapper(reader, registry, SET, false, 10, l -> {}).run();
        assertThat(report.rewrapped()).isEqualTo(1);
        assertThat(registry.list().findFirst().orElseThrow().wrapped().masterKeyVersion())
            .isEqualTo("1+2");
      }
      try (KmsBridge reader = reader(true);
          EnvelopeReader values = new EnvelopeReader(EnvelopeKeys.withRegistry(reader, registry))) {
        assertThat(new String(values.decrypt(envelope, CTX), StandardCharsets.UTF_8))
            .isEqualTo("row");
      }
    }
  }
}
