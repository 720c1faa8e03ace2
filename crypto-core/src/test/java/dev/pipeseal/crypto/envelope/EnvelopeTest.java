package dev.pipeseal.crypto.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.TruncatedCiphertextException;
import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.crypto.key.KeyDestroyedException;
import dev.pipeseal.crypto.key.KeyUsageLimitExceededException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EnvelopeTest {
  private static final EnvelopeContext CTX = EnvelopeContext.of("db.table.column");
  private static final KeyReference REF =
      KeyReference.registryKeyId(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
  private static final KeyReference INLINE = KeyReference.inlineWrappedKey(new byte[200]);
  private static final int S = Envelope.DEFAULT_SEGMENT_BYTES;

  static Stream<Arguments> cases() {
    int[] sizes = {
      0, 1, 15, 16, 17, 64, 1000, S - 1, S, S + 1, 65536, 65537, 3 * S, 1 << 20, (1 << 20) + 13
    };
    List<Arguments> out = new ArrayList<>();
    for (Algorithm a : Algorithm.values()) {
      for (KeyReference r : List.of(REF, INLINE)) {
        for (int n : sizes) {
          out.add(Arguments.of(a, r, n));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2} bytes")
  @MethodSource("cases")
  void roundTrips(Algorithm alg, KeyReference ref, int size) {
    byte[] pt = random(size, size);
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, alg, ref);
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      byte[] env = enc.encrypt(pt, CTX);
      assertThat(env).hasSize(enc.envelopeLength(size));
      Algorithm written =
          alg == Algorithm.XAES_256_GCM && size > 65536 ? Algorithm.XAES_256_GCM_SEGMENTED : alg;
      EnvelopeHeader h = Envelope.parseHeader(env);
      assertThat(h.algorithm()).isEqualTo(written);
      assertThat(h.keyReference()).isEqualTo(ref);
      assertThat(Envelope.plaintextLength(env, 0, env.length)).isEqualTo(size);
      assertThat(dec.decrypt(env, CTX)).isEqualTo(pt);

      // Offsets on both sides, caller-provided output.
      byte[] in = new byte[env.length + 10];
      System.arraycopy(env, 0, in, 7, env.length);
      byte[] out = new byte[size + 9];
      assertThat(dec.decrypt(in, 7, env.length, CTX, out, 5)).isEqualTo(size);
      assertThat(Arrays.copyOfRange(out, 5, 5 + size)).isEqualTo(pt);
      // With the header the caller parsed and matched.
      assertThat(Envelope.startsWith(h, in, 7, env.length)).isTrue();
      assertThat(dec.decrypt(h, in, 7, env.length, CTX)).isEqualTo(pt);
      assertThat(key.encryptionCount()).isEqualTo(1);
    }
  }

  @Test
  void overheadPerAlgorithmAndReferenceKind() {
    // header = 3 + varint + ref; registry id of 8 bytes: 12; inline of 200 bytes: 205.
    assertThat(Envelope.envelopeLength(Algorithm.XAES_256_GCM, REF, 100)).isEqualTo(100 + 12 + 40);
    assertThat(Envelope.envelopeLength(Algorithm.AES_SIV, REF, 100)).isEqualTo(100 + 12 + 16);
    assertThat(Envelope.envelopeLength(Algorithm.XAES_256_GCM_SEGMENTED, REF, 100))
        .isEqualTo(100 + 12 + 19 + 16);
    assertThat(Envelope.envelopeLength(Algorithm.XAES_256_GCM_SEGMENTED, REF, 3 * S + 1))
        .isEqualTo(3 * S + 1 + 12 + 19 + 4 * 16);
    assertThat(Envelope.envelopeLength(Algorithm.XAES_256_GCM, INLINE, 0)).isEqualTo(205 + 40);
  }

  @Test
  void deterministicModeLeaksEqualityOnlyWithinOneContext() {
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor siv = EnvelopeEncryptor.create(key, Algorithm.AES_SIV, REF);
        EnvelopeEncryptor gcm = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF)) {
      byte[] pt = "123-45-6789".getBytes();
      assertThat(siv.encrypt(pt, CTX)).isEqualTo(siv.encrypt(pt, CTX));
      assertThat(siv.encrypt(pt, CTX)).isNotEqualTo(siv.encrypt(pt, EnvelopeContext.of("other")));
      assertThat(gcm.encrypt(pt, CTX)).isNotEqualTo(gcm.encrypt(pt, CTX));
    }
  }

  @Test
  void writerStreamCountsUnderOnePrefixAndRederivesWhenUsedUp() {
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor enc =
            EnvelopeEncryptor.create(
                key,
                Algorithm.XAES_256_GCM,
                REF,
                new EncryptorOptions(65536, Envelope.DEFAULT_SEGMENT_BYTES, 3),
                RandomSource.SECURE);
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      List<byte[]> nonces = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        byte[] env = enc.encrypt(new byte[] {(byte) i}, CTX);
        nonces.add(Arrays.copyOfRange(env, 12, 36));
        assertThat(dec.decrypt(env, CTX)).containsExactly((byte) i);
      }
      for (int i = 0; i < 7; i++) {
        byte[] n = nonces.get(i);
        assertThat(Arrays.copyOfRange(n, 20, 24)).containsExactly(0, 0, 0, i % 3);
        byte[] firstOfPrefix = nonces.get(i - i % 3);
        assertThat(Arrays.copyOf(n, 20)).isEqualTo(Arrays.copyOf(firstOfPrefix, 20));
      }
      assertThat(Arrays.copyOf(nonces.get(0), 12)).isNotEqualTo(Arrays.copyOf(nonces.get(3), 12));
    }
  }

  @Test
  void segmentSizeIsRecordedInTheValueAndAuthenticated() {
    byte[] pt = random(300_000, 3);
    try (DataKey key = DataKey.generate();
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      for (int segmentBytes : new int[] {4096, 8192, 1 << 20}) {
        try (EnvelopeEncryptor enc =
            EnvelopeEncryptor.create(
                key,
                Algorithm.XAES_256_GCM,
                REF,
                new EncryptorOptions(65536, segmentBytes, 1L << 32))) {
          byte[] env = enc.encrypt(pt, CTX);
          int segments = (pt.length + segmentBytes - 1) / segmentBytes;
          assertThat(env).hasSize(12 + 19 + pt.length + 16 * segments);
          assertThat(env[12 + 12]).isEqualTo((byte) Integer.numberOfTrailingZeros(segmentBytes));
          assertThat(dec.decrypt(env, CTX)).isEqualTo(pt);
          byte[] bad = env.clone();
          bad[12 + 12] = 11; // 2 KiB: not a size readers accept
          assertThatThrownBy(() -> dec.decrypt(bad, CTX))
              .isInstanceOf(MalformedEnvelopeException.class)
              .hasMessageContaining("segment size");
          bad[12 + 12] = (byte) (Integer.numberOfTrailingZeros(segmentBytes) + 1);
          assertThatThrownBy(() -> dec.decrypt(bad, CTX))
              .isInstanceOf(dev.pipeseal.crypto.PipesealCryptoException.class);
        }
      }
    }
    assertThatThrownBy(() -> new EncryptorOptions(65536, 5000, 1L << 32))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aHeaderTheValueWasNotSealedWithNeverYieldsPlaintext() {
    byte[] pt = "secret plaintext".getBytes();
    KeyReference otherRef = KeyReference.registryKeyId(new byte[] {9, 2, 3, 4, 5, 6, 7, 8});
    for (Algorithm alg : Algorithm.values()) {
      try (DataKey key = DataKey.generate();
          EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, alg, REF);
          EnvelopeEncryptor enc2 = EnvelopeEncryptor.create(key, alg, otherRef);
          EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
        byte[] env = enc.encrypt(pt, CTX);
        EnvelopeHeader other = Envelope.parseHeader(enc2.encrypt(pt, CTX));
        assertThat(Envelope.startsWith(other, env, 0, env.length)).isFalse();
        assertThatThrownBy(() -> dec.decrypt(other, env, 0, env.length, CTX))
            .isInstanceOf(AuthenticationFailedException.class)
            .message()
            .doesNotContain("secret");
        assertThatThrownBy(() -> dec.decrypt(other, env, 0, 5, CTX))
            .isInstanceOf(TruncatedCiphertextException.class);
      }
    }
  }

  @Test
  void oneHandleSwitchesContextsAndHeadersValueByValue() {
    // The reader caches header || context per thread; every switch must still authenticate.
    EnvelopeContext a = EnvelopeContext.of("topic-a");
    EnvelopeContext b = EnvelopeContext.of("topic-b");
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor e1 = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        EnvelopeEncryptor e2 = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, INLINE);
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      for (int i = 0; i < 4; i++) {
        byte[] pt = {(byte) i};
        EnvelopeContext ctx = i % 2 == 0 ? a : b;
        EnvelopeEncryptor enc = i < 2 ? e1 : e2;
        byte[] env = enc.encrypt(pt, ctx);
        assertThat(dec.decrypt(env, ctx)).isEqualTo(pt);
        EnvelopeContext wrong = ctx == a ? b : a;
        assertThatThrownBy(() -> dec.decrypt(env, wrong))
            .isInstanceOf(AuthenticationFailedException.class);
        assertThat(dec.decrypt(Envelope.parseHeader(env), env, 0, env.length, ctx)).isEqualTo(pt);
      }
    }
  }

  @Test
  void readerHandlesInterleavedWriterStreams() {
    // More writers than the reader caches subkeys for, values interleaved round-robin.
    try (DataKey key = DataKey.generate();
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      List<EnvelopeEncryptor> writers = new ArrayList<>();
      for (int w = 0; w < 20; w++) {
        writers.add(EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF));
      }
      for (int round = 0; round < 3; round++) {
        for (int w = 0; w < writers.size(); w++) {
          byte[] pt = {(byte) w, (byte) round};
          assertThat(dec.decrypt(writers.get(w).encrypt(pt, CTX), CTX)).isEqualTo(pt);
        }
      }
      writers.forEach(EnvelopeEncryptor::close);
    }
  }

  @Test
  void wrongKeyContextOrReferenceFailsWithDescriptiveMessage() {
    byte[] pt = "secret plaintext".getBytes();
    for (Algorithm alg : Algorithm.values()) {
      try (DataKey key = DataKey.generate();
          DataKey other = DataKey.generate();
          EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, alg, REF);
          EnvelopeDecryptor dec = EnvelopeDecryptor.create(key);
          EnvelopeDecryptor wrong = EnvelopeDecryptor.create(other)) {
        byte[] env = enc.encrypt(pt, CTX);
        assertThatThrownBy(() -> wrong.decrypt(env, CTX))
            .isInstanceOf(AuthenticationFailedException.class)
            .hasMessageContaining("db.table.column")
            .hasMessageContaining("registry key id 0102030405060708")
            .hasMessageContaining(alg.toString())
            .message()
            .doesNotContain("secret");
        assertThatThrownBy(() -> dec.decrypt(env, EnvelopeContext.of("db.table.other")))
            .isInstanceOf(AuthenticationFailedException.class)
            .hasMessageContaining("db.table.other");
        byte[] swapped = env.clone();
        swapped[5] ^= 1; // the second byte of the registry key id
        assertThatThrownBy(() -> dec.decrypt(swapped, CTX))
            .isInstanceOf(AuthenticationFailedException.class)
            .hasMessageContaining("registry key id 0103030405060708");
      }
    }
  }

  @Test
  void headerErrorsAreTypedAndNameTheContext() {
    byte[] env;
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF)) {
      env = enc.encrypt(new byte[5], CTX);
    }
    // 0x01 and 0x02 are versions; 0x03 is not (yet).
    assertThatThrownBy(() -> Envelope.parseHeader(with(env, 0, 3), 0, env.length, CTX))
        .isInstanceOf(UnsupportedEnvelopeVersionException.class)
        .hasMessageContaining("db.table.column")
        .hasMessageContaining("0x03");
    assertThatThrownBy(() -> Envelope.parseHeader(with(env, 1, 9)))
        .isInstanceOf(UnknownAlgorithmException.class)
        .hasMessageContaining("0x09");
    assertThatThrownBy(() -> Envelope.parseHeader(with(env, 2, 7)))
        .isInstanceOf(UnknownKeyReferenceKindException.class)
        .hasMessageContaining("0x07");
    assertThatThrownBy(() -> Envelope.parseHeader(new byte[0]))
        .isInstanceOf(TruncatedCiphertextException.class);
    assertThatThrownBy(() -> Envelope.parseHeader(Arrays.copyOf(env, 30)))
        .isInstanceOf(TruncatedCiphertextException.class);
    assertThatThrownBy(() -> Envelope.parseHeader(Arrays.copyOf(env, 6)))
        .isInstanceOf(TruncatedCiphertextException.class)
        .hasMessageContaining("key reference");
    // Varints: zero length, non-minimal, longer than 3 bytes, above 65535, cut off.
    byte[][] malformed = {
      {1, 1, 2, 0},
      {1, 1, 2, (byte) 0x88, 0},
      {1, 1, 2, (byte) 0x80, (byte) 0x80, (byte) 0x80, 1},
      {1, 1, 2, (byte) 0xff, (byte) 0xff, 0x7f},
    };
    for (byte[] m : malformed) {
      assertThatThrownBy(() -> Envelope.parseHeader(Arrays.copyOf(m, 100)))
          .isInstanceOf(MalformedEnvelopeException.class);
    }
    assertThatThrownBy(() -> Envelope.parseHeader(new byte[] {1, 1, 2, (byte) 0x88}))
        .isInstanceOf(TruncatedCiphertextException.class);
    // The 3-byte maximum is accepted.
    byte[] max = new byte[3 + 3 + 65535 + 40];
    max[0] = 1;
    max[1] = 1;
    max[2] = 1;
    max[3] = (byte) 0xff;
    max[4] = (byte) 0xff;
    max[5] = 0x03;
    assertThat(Envelope.parseHeader(max).keyReference().length()).isEqualTo(65535);
  }

  @Test
  void keyUsageLimitIsEnforcedBeforeAnythingIsSealed() {
    try (DataKey key = DataKey.generate(3);
        EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF)) {
      enc.encrypt(new byte[1], CTX);
      assertThatThrownBy(() -> enc.reserve(3)).isInstanceOf(KeyUsageLimitExceededException.class);
      assertThat(key.encryptionCount()).isEqualTo(1);
      EnvelopeEncryptor.Reservation r = enc.reserve(2);
      byte[] out = new byte[enc.envelopeLength(1)];
      r.encrypt(new byte[1], 0, 1, CTX, out, 0);
      r.encrypt(new byte[1], 0, 1, CTX, out, 0);
      assertThatThrownBy(() -> r.encrypt(new byte[1], 0, 1, CTX, out, 0))
          .isInstanceOf(KeyUsageLimitExceededException.class);
      assertThatThrownBy(() -> enc.encrypt(new byte[1], CTX))
          .isInstanceOf(KeyUsageLimitExceededException.class);
    }
  }

  @Test
  void destroyedKeysAndClosedHandlesFail() {
    DataKey key = DataKey.generate();
    EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, Algorithm.AES_SIV, REF);
    EnvelopeDecryptor dec = EnvelopeDecryptor.create(key);
    key.close(); // the handles still hold references
    byte[] env = enc.encrypt(new byte[3], CTX);
    assertThat(dec.decrypt(env, CTX)).hasSize(3);
    enc.close();
    dec.close();
    assertThat(key.isDestroyed()).isTrue();
    assertThatThrownBy(() -> enc.encrypt(new byte[3], CTX))
        .isInstanceOf(KeyDestroyedException.class);
    assertThatThrownBy(() -> dec.decrypt(env, CTX)).isInstanceOf(KeyDestroyedException.class);
    assertThatThrownBy(() -> EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF))
        .isInstanceOf(KeyDestroyedException.class);
    assertThatThrownBy(() -> EnvelopeDecryptor.create(key))
        .isInstanceOf(KeyDestroyedException.class);
  }

  @Test
  void noKeyMaterialInToString() {
    byte[] material = new byte[32];
    Arrays.fill(material, (byte) 0x5a);
    try (DataKey key = DataKey.copyOf(material);
        EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      for (Object o :
          List.of(enc, dec, key, REF, CTX, Envelope.parseHeader(enc.encrypt(new byte[1], CTX)))) {
        assertThat(o.toString()).doesNotContain("5a5a").doesNotContain("5A5A");
      }
    }
  }

  @Test
  void handlesOutliveTheThreadThatUsedThemFirst() throws Exception {
    Set<String> nonces = ConcurrentHashMap.newKeySet();
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      byte[] pt = {1, 2, 3};
      for (int round = 0; round < 3; round++) {
        Thread t =
            new Thread(
                () -> {
                  byte[] env = enc.encrypt(pt, CTX);
                  nonces.add(HexFormat.of().formatHex(env, 12, 36));
                  assertThat(dec.decrypt(env, CTX)).isEqualTo(pt);
                });
        t.start();
        t.join();
        byte[] env = enc.encrypt(pt, CTX);
        nonces.add(HexFormat.of().formatHex(env, 12, 36));
        assertThat(dec.decrypt(env, CTX)).isEqualTo(pt);
      }
      assertThat(nonces).hasSize(6);
    }
  }

  @Test
  void sharedHandlesAreThreadSafe() throws Exception {
    int threads = 4;
    int perThread = 3000;
    Set<String> nonces = ConcurrentHashMap.newKeySet();
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor gcm = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        EnvelopeEncryptor siv = EnvelopeEncryptor.create(key, Algorithm.AES_SIV, INLINE);
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int seed = t;
          futures.add(
              pool.submit(
                  () -> {
                    Random rnd = new Random(seed);
                    for (int i = 0; i < perThread; i++) {
                      byte[] pt = new byte[rnd.nextInt(100)];
                      rnd.nextBytes(pt);
                      EnvelopeContext ctx = EnvelopeContext.of("col" + (i % 3));
                      byte[] a = gcm.encrypt(pt, ctx);
                      nonces.add(HexFormat.of().formatHex(a, 12, 36));
                      byte[] b = siv.encrypt(pt, ctx);
                      assertThat(dec.decrypt(a, ctx)).isEqualTo(pt);
                      assertThat(dec.decrypt(b, ctx)).isEqualTo(pt);
                    }
                    return null;
                  }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      assertThat(nonces).hasSize(threads * perThread);
      assertThat(key.encryptionCount()).isEqualTo(2L * threads * perThread);
    }
  }

  private static byte[] with(byte[] env, int index, int value) {
    byte[] copy = env.clone();
    copy[index] = (byte) value;
    return copy;
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
