package dev.pipeseal.crypto.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.aead.CallerNonceGcm;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.crypto.key.KeyDestroyedException;
import dev.pipeseal.crypto.key.KeyUsageLimitExceededException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Single-thread writer streams and readers: same bytes, own nonces, counted, fail closed. */
class WriterReaderTest {
  private static final EnvelopeContext CTX = EnvelopeContext.of("db.table.column");
  private static final KeyReference REF =
      KeyReference.registryKeyId(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

  @Test
  void writerWritesTheSameBytesAsTheSharedPathForTheSameNonceDraws() {
    byte[] pt = "tag and thirty-two bytes of text!".getBytes();
    for (Algorithm alg : List.of(Algorithm.XAES_256_GCM, Algorithm.AES_SIV)) {
      try (DataKey key = GoldenFixtures.dataKey();
          EnvelopeEncryptor shared =
              EnvelopeEncryptor.create(
                  key, alg, REF, EncryptorOptions.DEFAULTS, GoldenFixtures.counting(9));
          EnvelopeEncryptor own =
              EnvelopeEncryptor.create(
                  key, alg, REF, EncryptorOptions.DEFAULTS, GoldenFixtures.counting(9))) {
        EnvelopeEncryptor.Writer w = own.writer(16);
        for (int i = 0; i < 3; i++) {
          byte[] expected = shared.encrypt(pt, CTX);
          assertThat(w.encrypt(pt, 0, pt.length, CTX)).isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void aResumedWriterContinuesItsNonceStreamOnAnotherThreadAndRetiresTheOldOne() throws Exception {
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      EnvelopeEncryptor.Writer first = enc.writer(4);
      byte[] pt = {1, 2, 3};
      byte[] a = first.encrypt(pt, 0, pt.length, CTX);
      byte[][] fromOther = new byte[1][];
      Thread t =
          new Thread(
              () -> {
                EnvelopeEncryptor.Writer next = first.resume();
                fromOther[0] = next.encrypt(pt, 0, pt.length, CTX);
              });
      t.start();
      t.join();
      byte[] b = fromOther[0];
      // Same stream: same nonce prefix, next counter; both open.
      assertThat(Arrays.copyOfRange(b, 12, 32)).isEqualTo(Arrays.copyOfRange(a, 12, 32));
      assertThat(Arrays.copyOfRange(b, 32, 36)).isNotEqualTo(Arrays.copyOfRange(a, 32, 36));
      assertThat(dec.decrypt(a, CTX)).containsExactly(pt);
      assertThat(dec.decrypt(b, CTX)).containsExactly(pt);
      assertThatThrownBy(() -> first.encrypt(pt, 0, pt.length, CTX))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(first::resume).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void writersOfManyKeysShareOneSessionAndEachValueOpensOnlyUnderItsOwnKey() {
    CallerNonceGcm.Session session = CallerNonceGcm.newSession();
    List<DataKey> keys = List.of(DataKey.generate(), DataKey.generate(), DataKey.generate());
    List<EnvelopeEncryptor> encryptors = new ArrayList<>();
    List<EnvelopeEncryptor.Writer> writers = new ArrayList<>();
    for (DataKey k : keys) {
      EnvelopeEncryptor enc = EnvelopeEncryptor.create(k, Algorithm.XAES_256_GCM, REF);
      encryptors.add(enc);
      writers.add(enc.writer(4, session));
    }
    // Interleaved, as rows of different subjects arrive: the shared cipher is re-keyed per value.
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < keys.size(); i++) {
        byte[] pt = {(byte) round, (byte) i, 42};
        byte[] env = writers.get(i).encrypt(pt, 0, pt.length, CTX);
        for (int j = 0; j < keys.size(); j++) {
          try (EnvelopeDecryptor dec = EnvelopeDecryptor.create(keys.get(j))) {
            if (j == i) {
              assertThat(dec.decrypt(env, CTX)).containsExactly(pt);
            } else {
              assertThatThrownBy(() -> dec.decrypt(env, CTX))
                  .isInstanceOf(AuthenticationFailedException.class);
            }
          }
        }
      }
    }
    encryptors.forEach(EnvelopeEncryptor::close);
    keys.forEach(DataKey::close);
  }

  @Test
  void writersAreSeparateNonceStreamsAndReadersOpenEveryOne() {
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      List<EnvelopeEncryptor.Writer> writers = List.of(enc.writer(4), enc.writer(4));
      EnvelopeDecryptor.Reader reader = dec.reader();
      Set<String> nonces = new HashSet<>();
      Set<String> prefixes = new HashSet<>();
      List<byte[]> envelopes = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        for (EnvelopeEncryptor.Writer w : writers) {
          byte[] pt = {(byte) i, 7};
          byte[] env = w.encrypt(pt, 0, 2, CTX);
          envelopes.add(env);
          nonces.add(Arrays.toString(Arrays.copyOfRange(env, 12, 36)));
          prefixes.add(Arrays.toString(Arrays.copyOfRange(env, 12, 32)));
          byte[] out = new byte[env.length];
          assertThat(reader.decrypt(env, 0, env.length, CTX, out, 0)).isEqualTo(2);
          assertThat(Arrays.copyOf(out, 2)).containsExactly(pt);
          assertThat(dec.decrypt(env, CTX)).containsExactly(pt);
        }
      }
      assertThat(nonces).hasSize(20);
      assertThat(prefixes).hasSize(2);
      // Counted in blocks of 4: 10 values per writer take 3 blocks each.
      assertThat(key.encryptionCount()).isEqualTo(24);
      byte[] env = envelopes.get(5).clone();
      env[env.length - 1] ^= 1;
      assertThatThrownBy(() -> reader.decrypt(env, 0, env.length, CTX, new byte[env.length], 0))
          .isInstanceOf(AuthenticationFailedException.class);
      byte[] moved = envelopes.get(6);
      assertThatThrownBy(
              () ->
                  reader.decrypt(
                      moved, 0, moved.length, EnvelopeContext.of("x"), new byte[moved.length], 0))
          .isInstanceOf(AuthenticationFailedException.class);
    }
  }

  @Test
  void writerDrawsAFreshPrefixWhenItsCounterIsUsedUp() {
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor enc =
            EnvelopeEncryptor.create(
                key,
                Algorithm.XAES_256_GCM,
                REF,
                new EncryptorOptions(65536, Envelope.DEFAULT_SEGMENT_BYTES, 3),
                RandomSource.SECURE);
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      EnvelopeEncryptor.Writer w = enc.writer(100);
      List<byte[]> nonces = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        byte[] env = w.encrypt(new byte[] {(byte) i}, 0, 1, CTX);
        nonces.add(Arrays.copyOfRange(env, 12, 36));
        assertThat(dec.decrypt(env, CTX)).containsExactly((byte) i);
      }
      for (int i = 0; i < 7; i++) {
        assertThat(Arrays.copyOfRange(nonces.get(i), 20, 24)).containsExactly(0, 0, 0, i % 3);
        assertThat(Arrays.copyOf(nonces.get(i), 20))
            .isEqualTo(Arrays.copyOf(nonces.get(i - i % 3), 20));
      }
      assertThat(Arrays.copyOf(nonces.get(0), 12)).isNotEqualTo(Arrays.copyOf(nonces.get(3), 12));
      assertThat(Arrays.copyOf(nonces.get(3), 12)).isNotEqualTo(Arrays.copyOf(nonces.get(6), 12));
    }
  }

  @Test
  void aWriterOrReaderUsedFromAnotherThreadFallsBackToThatThreadsOwnStream() throws Exception {
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      EnvelopeEncryptor.Writer w = enc.writer(8);
      EnvelopeDecryptor.Reader reader = dec.reader();
      byte[] pt = {4, 2};
      byte[] mine = w.encrypt(pt, 0, 2, CTX);
      byte[][] theirs = new byte[2][];
      Thread t =
          new Thread(
              () -> {
                theirs[0] = w.encrypt(pt, 0, 2, CTX);
                byte[] out = new byte[theirs[0].length];
                int n = reader.decrypt(theirs[0], 0, theirs[0].length, CTX, out, 0);
                theirs[1] = Arrays.copyOf(out, n);
              });
      t.start();
      t.join();
      // Another thread's stream: another 20-byte prefix, not the writer's next counter value.
      assertThat(Arrays.copyOfRange(theirs[0], 12, 32))
          .isNotEqualTo(Arrays.copyOfRange(mine, 12, 32));
      assertThat(theirs[1]).containsExactly(pt);
      assertThat(dec.decrypt(theirs[0], CTX)).containsExactly(pt);
      // The writer's block of 8 plus the other thread's single count.
      assertThat(key.encryptionCount()).isEqualTo(9);
    }
  }

  @Test
  void writerStopsAtTheKeyLimitAndAfterClose() {
    try (DataKey key = DataKey.generate(5);
        EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF)) {
      EnvelopeEncryptor.Writer w = enc.writer(3);
      byte[] pt = {1};
      w.encrypt(pt, 0, 1, CTX);
      w.encrypt(pt, 0, 1, CTX);
      w.encrypt(pt, 0, 1, CTX);
      assertThatThrownBy(() -> w.encrypt(pt, 0, 1, CTX))
          .isInstanceOf(KeyUsageLimitExceededException.class);
      assertThat(key.encryptionCount()).isEqualTo(3);
      enc.close();
      assertThatThrownBy(() -> w.encrypt(pt, 0, 1, CTX)).isInstanceOf(KeyDestroyedException.class);
      assertThatThrownBy(() -> enc.writer(1)).isInstanceOf(KeyDestroyedException.class);
    }
  }

  @Test
  void readerFailsAfterCloseAndReadsSegmentedAndDeterministicValues() {
    byte[] big = new byte[200_000];
    new java.util.Random(1).nextBytes(big);
    try (DataKey key = DataKey.generate();
        EnvelopeEncryptor gcm = EnvelopeEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        EnvelopeEncryptor siv = EnvelopeEncryptor.create(key, Algorithm.AES_SIV, REF)) {
      EnvelopeDecryptor dec = EnvelopeDecryptor.create(key);
      EnvelopeDecryptor.Reader reader = dec.reader();
      for (byte[] env :
          List.of(gcm.writer(1).encrypt(big, 0, big.length, CTX), siv.encrypt(big, CTX))) {
        byte[] out = new byte[env.length];
        assertThat(reader.plaintextLength(env, 0, env.length, CTX)).isEqualTo(big.length);
        assertThat(reader.decrypt(env, 0, env.length, CTX, out, 0)).isEqualTo(big.length);
        assertThat(Arrays.copyOf(out, big.length)).isEqualTo(big);
      }
      dec.close();
      byte[] env = gcm.encrypt(big, CTX);
      assertThatThrownBy(() -> reader.decrypt(env, 0, env.length, CTX, new byte[env.length], 0))
          .isInstanceOf(KeyDestroyedException.class);
    }
  }
}
