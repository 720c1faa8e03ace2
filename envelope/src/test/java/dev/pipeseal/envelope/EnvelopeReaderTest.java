package dev.pipeseal.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.envelope.KeyReferenceKind;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.registry.KeyRegistries;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Envelopes written under inline and registry references, read back over the local key store. */
class EnvelopeReaderTest {
  private static final EnvelopeContext SSN = EnvelopeContext.of("db.users.ssn");

  @TempDir Path dir;
  private KmsBridge kms;
  private KeyRegistry registry;
  private EnvelopeKeys keys;

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
    kms.admin().orElseThrow().createKey("pii");
    registry = KeyRegistries.open(dir.resolve("registry"));
    keys = EnvelopeKeys.withRegistry(kms, registry);
  }

  @AfterEach
  void close() throws Exception {
    registry.close();
    kms.close();
  }

  private byte[] seal(KeyReference ref, DataKeyPair pair, String text, EnvelopeContext ctx) {
    try (EnvelopeEncryptor enc =
        EnvelopeEncryptor.create(pair.plaintext(), Algorithm.XAES_256_GCM, ref)) {
      return enc.encrypt(text.getBytes(StandardCharsets.UTF_8), ctx);
    }
  }

  @Test
  void readsInlineAndRegistryReferences() {
    try (DataKeyPair pair = keys.generate("pii");
        EnvelopeReader reader = new EnvelopeReader(keys)) {
      byte[] inline = seal(keys.inlineReference(pair.wrapped()), pair, "123-45-6789", SSN);
      KeyReference byId = keys.registryReference(pair.wrapped());
      assertThat(byId.bytes()).hasSize(8);
      byte[] referenced = seal(byId, pair, "987-65-4321", SSN);

      assertThat(new String(reader.decrypt(inline, SSN), StandardCharsets.UTF_8))
          .isEqualTo("123-45-6789");
      assertThat(new String(reader.decrypt(referenced, SSN), StandardCharsets.UTF_8))
          .isEqualTo("987-65-4321");
      assertThat(reader.openKeys()).isEqualTo(2);
      assertThat(reader.keyNameFor(referenced, 0, referenced.length, SSN)).isEqualTo("pii");
    }
  }

  @Test
  void movedValueFailsNamingContextAndKey() {
    try (DataKeyPair pair = keys.generate("pii");
        EnvelopeReader reader = new EnvelopeReader(keys)) {
      byte[] env = seal(keys.registryReference(pair.wrapped()), pair, "123-45-6789", SSN);
      assertThatThrownBy(() -> reader.decrypt(env, EnvelopeContext.of("db.users.name")))
          .isInstanceOf(UndecryptableValueException.class)
          .hasCauseInstanceOf(AuthenticationFailedException.class)
          .hasMessageContaining("db.users.name")
          .hasMessageContaining("'pii'")
          .hasMessageNotContaining("123-45-6789");
    }
  }

  @Test
  void unknownRegistryIdAndGarbageFailTyped() {
    try (EnvelopeReader reader = new EnvelopeReader(keys);
        DataKeyPair pair = keys.generate("pii")) {
      byte[] env = seal(KeyReference.registryKeyId(new byte[8]), pair, "x", SSN);
      assertThatThrownBy(() -> reader.decrypt(env, SSN))
          .isInstanceOf(UndecryptableValueException.class)
          .hasCauseInstanceOf(UnknownKeyException.class)
          .hasMessageContaining("0000000000000000");
      assertThatThrownBy(() -> reader.decrypt("plain text".getBytes(StandardCharsets.UTF_8), SSN))
          .isInstanceOf(UndecryptableValueException.class)
          .hasMessageContaining("db.users.ssn");
    }
  }

  @Test
  void evictsAndClosesBeyondItsKeyLimit() {
    try (EnvelopeReader reader = new EnvelopeReader(keys, 2)) {
      for (int i = 0; i < 5; i++) {
        try (DataKeyPair pair = keys.generate("pii")) {
          byte[] env = seal(keys.inlineReference(pair.wrapped()), pair, "v" + i, SSN);
          assertThat(reader.decrypt(env, SSN))
              .isEqualTo(("v" + i).getBytes(StandardCharsets.UTF_8));
        }
      }
      assertThat(reader.openKeys()).isEqualTo(2);
    }
  }

  @Test
  void inlineOnlyKeysRefuseRegistryReferences() {
    EnvelopeKeys inlineOnly = EnvelopeKeys.inline(kms);
    assertThatThrownBy(() -> inlineOnly.unwrap(KeyReference.registryKeyId(new byte[8])))
        .isInstanceOf(UnknownKeyException.class)
        .hasMessageContaining("registry");
  }

  @Test
  void decryptsIntoACallerBufferAndFromTheMiddleOfAFetchBuffer() {
    try (DataKeyPair pair = keys.generate("pii");
        EnvelopeReader reader = new EnvelopeReader(keys)) {
      byte[] env = seal(keys.inlineReference(pair.wrapped()), pair, "123-45-6789", SSN);
      byte[] fetch = new byte[env.length + 10];
      System.arraycopy(env, 0, fetch, 5, env.length);
      byte[] out = new byte[env.length];
      int n = reader.decrypt(fetch, 5, env.length, SSN, out, 0);
      assertThat(new String(out, 0, n, StandardCharsets.UTF_8)).isEqualTo("123-45-6789");
      // Second value: the last-header path, same answer.
      assertThat(reader.decrypt(fetch, 5, env.length, SSN))
          .isEqualTo("123-45-6789".getBytes(StandardCharsets.UTF_8));
      assertThat(reader.looksLikeEnvelope(fetch, 5, env.length)).isTrue();
      assertThat(reader.looksLikeEnvelope("plain".getBytes(StandardCharsets.UTF_8), 0, 5))
          .isFalse();
    }
  }

  @Test
  void theShapeOfAnEnvelopeIsJudgedWithoutResolvingItsKey() {
    // A reader with no registry, or whose KMS or registry is down, or whose subject key was
    // erased, must still see these as envelopes, so they fail to decrypt instead of passing as
    // plaintext where plaintext is accepted.
    EnvelopeKeys inlineOnly = EnvelopeKeys.inline(kms);
    try (DataKeyPair pair = keys.generate("pii");
        EnvelopeReader reader = new EnvelopeReader(inlineOnly)) {
      byte[] byId = seal(KeyReference.registryKeyId(new byte[8]), pair, "987-65-4321", SSN);
      byte[] bySubject =
          seal(
              KeyReference.of(
                  KeyReferenceKind.SUBJECT_KEY_ID, new byte[SubjectKey.REFERENCE_BYTES]),
              pair,
              "555-12-3456",
              SSN);
      assertThat(reader.looksLikeEnvelope(byId, 0, byId.length)).isTrue();
      assertThat(reader.looksLikeEnvelope(bySubject, 0, bySubject.length)).isTrue();
      assertThatThrownBy(() -> reader.decrypt(byId, 0, byId.length, SSN))
          .hasMessageContaining("registry");
      // Ids of the wrong length, a corrupt inline key or a short body are not envelopes.
      byte[] shortId = seal(KeyReference.registryKeyId(new byte[7]), pair, "x", SSN);
      assertThat(reader.looksLikeEnvelope(shortId, 0, shortId.length)).isFalse();
      byte[] inline = seal(keys.inlineReference(pair.wrapped()), pair, "x", SSN);
      byte[] corrupt = inline.clone();
      int recordStart = (inline[3] & 0x80) != 0 ? 5 : 4; // after the length varint
      corrupt[recordStart] ^= (byte) 0xff; // the wrapped-key record's version byte
      assertThat(reader.looksLikeEnvelope(corrupt, 0, corrupt.length)).isFalse();
      assertThat(reader.looksLikeEnvelope(byId, 0, 20)).isFalse();
    }
  }

  @Test
  void threadsInterleavingTwoKeysEachReadTheirOwnValues() throws Exception {
    try (DataKeyPair a = keys.generate("pii");
        DataKeyPair b = keys.generate("pii");
        EnvelopeReader reader = new EnvelopeReader(keys)) {
      byte[] va = seal(keys.inlineReference(a.wrapped()), a, "value a", SSN);
      byte[] vb = seal(keys.registryReference(b.wrapped()), b, "value b", SSN);
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(4);
      try {
        java.util.List<java.util.concurrent.Future<Integer>> done = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int seed = t;
          done.add(
              pool.submit(
                  () -> {
                    int ok = 0;
                    for (int i = 0; i < 2_000; i++) {
                      boolean useA = ((i + seed) % 3) != 0;
                      byte[] got = reader.decrypt(useA ? va : vb, SSN);
                      String want = useA ? "value a" : "value b";
                      if (want.equals(new String(got, StandardCharsets.UTF_8))) {
                        ok++;
                      }
                    }
                    return ok;
                  }));
        }
        for (java.util.concurrent.Future<Integer> f : done) {
          assertThat(f.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(2_000);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(reader.openKeys()).isEqualTo(2);
    }
  }
}
