package dev.pipeseal.kms.hierarchy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.fake.FakeKms;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class KekKmsTest {
  private final AtomicLong clock = new AtomicLong();

  private KekKms kek(FakeKms fake, long maxDeks) {
    return new KekKms(fake, new KekConfig(maxDeks, Duration.ofMinutes(10), 100), clock::get);
  }

  static Throwable failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected failure");
  }

  static byte[] material(DataKey key) {
    return key.withMaterial(byte[]::clone);
  }

  private static byte[] dekCiphertext(WrappedKey w) {
    byte[] b = w.bytes();
    return Arrays.copyOfRange(b, b.length - KekLayout.DEK_CIPHERTEXT_BYTES, b.length);
  }

  @Test
  void millionDataKeysCostOneKmsCall() {
    FakeKms fake = new FakeKms("pii");
    WrappedKey last = null;
    byte[] lastMaterial = null;
    try (KekKms kms = kek(fake, KekConfig.DEFAULTS.maxDeksPerKek())) {
      for (int i = 0; i < 1_000_000; i++) {
        try (DataKeyPair pair = kms.generateDataKey("pii").toCompletableFuture().join()) {
          if (i == 999_999) {
            last = pair.wrapped();
            lastMaterial = material(pair.plaintext());
          }
        }
      }
      assertThat(fake.totalCalls()).isEqualTo(1);
      assertThat(fake.calls("generate")).isEqualTo(1);
      // This process made the KEK, so reading back needs no KMS call either.
      try (DataKey back = kms.unwrap(last).toCompletableFuture().join()) {
        assertThat(material(back)).isEqualTo(lastMaterial);
      }
      assertThat(fake.totalCalls()).isEqualTo(1);
    }
    assertThat(last.provider()).isEqualTo("fake");
    assertThat(last.algorithm()).isEqualTo(KekKms.ALGORITHM);
    assertThat(last.masterKeyVersion()).isEqualTo("1");
  }

  @Test
  void wrapsAnExistingKeyUnderAKekTheInnerProviderGenerates() {
    FakeKms fake = new FakeKms("pii");
    try (DataKey existing = DataKey.generate()) {
      // The bare provider cannot wrap arbitrary bytes: the SPI default refuses, typed.
      assertThat(failure(fake.wrap(existing, "pii")))
          .isInstanceOf(KmsConfigException.class)
          .hasMessageContaining("[fake key 'pii']")
          .hasMessageContaining("KEK layer");
      WrappedKey w;
      try (KekKms kms = kek(fake, KekConfig.DEFAULTS.maxDeksPerKek())) {
        w = kms.wrap(existing, "pii").toCompletableFuture().join();
        kms.wrap(existing, "pii").toCompletableFuture().join();
        assertThat(fake.calls("generate")).as("one KEK for both").isEqualTo(1);
      }
      assertThat(w.provider()).isEqualTo("fake");
      assertThat(w.algorithm()).isEqualTo(KekKms.ALGORITHM);
      assertThat(existing.isDestroyed()).as("the caller still owns the key").isFalse();
      // A cold reader (no KEK in memory) unwraps the same key material through the provider.
      try (KekKms cold = kek(fake, KekConfig.DEFAULTS.maxDeksPerKek());
          DataKey back = cold.unwrap(w).toCompletableFuture().join()) {
        assertThat(material(back)).isEqualTo(material(existing));
      }
      assertThat(fake.calls("unwrap")).isEqualTo(1);
    }
  }

  @Test
  void newKekAfterUsageLimit() {
    FakeKms fake = new FakeKms("pii");
    try (KekKms kms = kek(fake, 1_000)) {
      for (int i = 0; i < 100_000; i++) {
        kms.generateDataKey("pii").toCompletableFuture().join().close();
      }
      assertThat(fake.calls("generate")).isEqualTo(100);
    }
  }

  @Test
  void concurrentGeneratesAcrossKekRolloverUseEachKekExactlyToItsLimit() throws Exception {
    FakeKms fake = new FakeKms("pii");
    // One list of pairs: two lists appended separately by 8 threads would not stay aligned.
    List<java.util.Map.Entry<WrappedKey, byte[]>> samples =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    try (KekKms kms = kek(fake, 500)) {
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(8);
      List<java.util.concurrent.Future<?>> tasks = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        tasks.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 5_000; i++) {
                    try (DataKeyPair p = kms.generateDataKey("pii").toCompletableFuture().join()) {
                      if (i % 500 == 0) {
                        samples.add(java.util.Map.entry(p.wrapped(), material(p.plaintext())));
                      }
                    }
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> f : tasks) {
        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(fake.calls("generate")).isEqualTo(40_000 / 500);
    }
    try (KekKms reader = kek(fake, 500)) {
      assertThat(samples).hasSize(8 * 10);
      for (java.util.Map.Entry<WrappedKey, byte[]> s : samples) {
        try (DataKey k = reader.unwrap(s.getKey()).toCompletableFuture().join()) {
          assertThat(material(k)).isEqualTo(s.getValue());
        }
      }
    }
  }

  @Test
  void kekWithLowerProviderUsageLimitIsReplacedNotFatal() {
    FakeKms fake = new FakeKms("pii");
    dev.pipeseal.kms.Kms lowLimit =
        new dev.pipeseal.kms.Kms() {
          @Override
          public String providerId() {
            return fake.providerId();
          }

          @Override
          public CompletionStage<DataKeyPair> generateDataKey(String name) {
            return fake.generateDataKey(name)
                .thenApply(
                    p -> {
                      DataKey limited = DataKey.copyOf(material(p.plaintext()), 3);
                      p.close();
                      return new DataKeyPair(limited, p.wrapped());
                    });
          }

          @Override
          public CompletionStage<DataKey> unwrap(WrappedKey w) {
            return fake.unwrap(w);
          }

          @Override
          public CompletionStage<WrappedKey> rewrap(WrappedKey w) {
            return fake.rewrap(w);
          }

          @Override
          public CompletionStage<dev.pipeseal.kms.MasterKeyInfo> describe(String name) {
            return fake.describe(name);
          }

          @Override
          public void close() {}
        };
    try (KekKms kms = new KekKms(lowLimit, KekConfig.DEFAULTS, clock::get)) {
      for (int i = 0; i < 10; i++) {
        kms.generateDataKey("pii").toCompletableFuture().join().close();
      }
      assertThat(fake.calls("generate")).isEqualTo(4);
    }
  }

  @Test
  void newKekAfterLifetime() {
    FakeKms fake = new FakeKms("pii");
    try (KekKms kms = kek(fake, 1_000)) {
      kms.generateDataKey("pii").toCompletableFuture().join().close();
      kms.generateDataKey("pii").toCompletableFuture().join().close();
      clock.addAndGet(Duration.ofMinutes(11).toNanos());
      kms.generateDataKey("pii").toCompletableFuture().join().close();
      assertThat(fake.calls("generate")).isEqualTo(2);
    }
  }

  @Test
  void anotherProcessUnwrapsEachKekOnce() {
    FakeKms fake = new FakeKms("pii");
    List<WrappedKey> wrapped = new ArrayList<>();
    List<byte[]> materials = new ArrayList<>();
    try (KekKms writer = kek(fake, 100)) {
      for (int i = 0; i < 1_000; i++) {
        try (DataKeyPair pair = writer.generateDataKey("pii").toCompletableFuture().join()) {
          wrapped.add(pair.wrapped());
          materials.add(material(pair.plaintext()));
        }
      }
    }
    try (KekKms reader = kek(fake, 100)) {
      for (int i = 0; i < wrapped.size(); i++) {
        try (DataKey k = reader.unwrap(wrapped.get(i)).toCompletableFuture().join()) {
          assertThat(material(k)).isEqualTo(materials.get(i));
        }
      }
    }
    assertThat(fake.calls("unwrap")).isEqualTo(10);
  }

  @Test
  void rewrapTouchesOnlyKeksAndKeepsDekCiphertext() {
    FakeKms fake = new FakeKms("pii");
    List<WrappedKey> wrapped = new ArrayList<>();
    List<byte[]> materials = new ArrayList<>();
    try (KekKms kms = kek(fake, 100)) {
      for (int i = 0; i < 1_000; i++) {
        try (DataKeyPair pair = kms.generateDataKey("pii").toCompletableFuture().join()) {
          wrapped.add(pair.wrapped());
          materials.add(material(pair.plaintext()));
        }
      }
      assertThat(kms.rewrap(wrapped.get(0)).toCompletableFuture().join()).isSameAs(wrapped.get(0));
      fake.rotate("pii");
      int before = fake.calls("rewrap");
      List<WrappedKey> rewrapped = kms.rewrapAll(wrapped).toCompletableFuture().join();
      assertThat(fake.calls("rewrap") - before).isEqualTo(10); // one per KEK, not per DEK
      for (int i = 0; i < wrapped.size(); i++) {
        WrappedKey r = rewrapped.get(i);
        assertThat(r.masterKeyVersion()).isEqualTo("2");
        assertThat(r.algorithm()).isEqualTo(KekKms.ALGORITHM);
        assertThat(dekCiphertext(r)).isEqualTo(dekCiphertext(wrapped.get(i)));
      }
      // Single rewraps of the same KEKs reuse the results.
      int afterBatch = fake.calls("rewrap");
      for (WrappedKey w : wrapped) {
        assertThat(kms.rewrap(w).toCompletableFuture().join().masterKeyVersion()).isEqualTo("2");
      }
      assertThat(fake.calls("rewrap")).isEqualTo(afterBatch);
    }
    List<WrappedKey> rewrapped;
    try (KekKms kms = kek(fake, 100)) {
      rewrapped = kms.rewrapAll(wrapped).toCompletableFuture().join();
      for (int i = 0; i < rewrapped.size(); i++) {
        try (DataKey k = kms.unwrap(rewrapped.get(i)).toCompletableFuture().join()) {
          assertThat(material(k)).isEqualTo(materials.get(i));
        }
      }
    }
  }

  @Test
  void singleRewrapsShareOneCallPerKek() {
    FakeKms fake = new FakeKms("pii");
    try (KekKms kms = kek(fake, 1_000)) {
      List<WrappedKey> wrapped = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        wrapped.add(kms.generateDataKey("pii").toCompletableFuture().join().wrapped());
      }
      fake.rotate("pii");
      for (WrappedKey w : wrapped) {
        kms.rewrap(w).toCompletableFuture().join();
      }
      assertThat(fake.calls("rewrap")).isEqualTo(1);
    }
  }

  @Test
  void tamperedDekCiphertextOrKekRecordIsDetected() {
    FakeKms fake = new FakeKms("pii");
    try (KekKms kms = kek(fake, 1_000)) {
      WrappedKey w = kms.generateDataKey("pii").toCompletableFuture().join().wrapped();
      byte[] b = w.bytes();
      b[b.length - 5] ^= 1;
      assertThat(failure(kms.unwrap(relabel(w, b))))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("pii")
          .hasMessageContaining("version 1")
          .hasMessageContaining("authentication");

      int n = ((b[1] & 0xFF) << 8) | (b[2] & 0xFF);
      for (int at : new int[] {20, 3 + n - 5}) { // a KEK record label, the KEK's wrapped bytes
        b = w.bytes();
        b[at] ^= 1;
        assertThat(failure(kms.unwrap(relabel(w, b))))
            .isInstanceOf(InvalidWrappedKeyException.class);
      }

      assertThat(failure(kms.unwrap(relabel(w, Arrays.copyOf(w.bytes(), w.bytes().length - 1)))))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("truncated");
      assertThat(failure(kms.unwrap(relabel(w, new byte[] {1}))))
          .isInstanceOf(InvalidWrappedKeyException.class);
      b = w.bytes();
      b[0] = 9;
      assertThat(failure(kms.unwrap(relabel(w, b))))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("layout version 9");

      // Outer labels must match the authenticated KEK record.
      WrappedKey wrongVersion =
          new WrappedKey(w.provider(), "pii", "2", KekKms.ALGORITHM, w.bytes());
      assertThat(failure(kms.unwrap(wrongVersion))).isInstanceOf(InvalidWrappedKeyException.class);
      WrappedKey wrongProvider = new WrappedKey("other", "pii", "1", KekKms.ALGORITHM, w.bytes());
      assertThat(failure(kms.unwrap(wrongProvider))).isInstanceOf(InvalidWrappedKeyException.class);
    }
  }

  @Test
  void dekCiphertextCannotMoveToAnotherKeyName() {
    FakeKms fake = new FakeKms("pii", "other");
    try (KekKms kms = kek(fake, 1_000)) {
      WrappedKey pii = kms.generateDataKey("pii").toCompletableFuture().join().wrapped();
      WrappedKey other = kms.generateDataKey("other").toCompletableFuture().join().wrapped();
      // Graft pii's DEK ciphertext onto other's KEK record.
      byte[] o = other.bytes();
      byte[] p = pii.bytes();
      System.arraycopy(
          p,
          p.length - KekLayout.DEK_CIPHERTEXT_BYTES,
          o,
          o.length - KekLayout.DEK_CIPHERTEXT_BYTES,
          KekLayout.DEK_CIPHERTEXT_BYTES);
      assertThat(failure(kms.unwrap(relabel(other, o))))
          .isInstanceOf(InvalidWrappedKeyException.class);
    }
  }

  @Test
  void layoutEmbedsTheKekRecord() {
    FakeKms fake = new FakeKms("pii");
    try (KekKms kms = kek(fake, 1_000)) {
      WrappedKey w = kms.generateDataKey("pii").toCompletableFuture().join().wrapped();
      KekLayout.Parts parts = KekLayout.read(w);
      assertThat(parts.kek().algorithm()).isEqualTo(FakeKms.ALGORITHM);
      byte[] b = w.bytes();
      int n = ((b[1] & 0xFF) << 8) | (b[2] & 0xFF);
      assertThat(b[0]).isEqualTo((byte) 1);
      assertThat(Arrays.copyOfRange(b, 3, 3 + n)).isEqualTo(WrappedKeyCodec.toBinary(parts.kek()));
      assertThat(b.length).isEqualTo(3 + n + 60);
    }
  }

  @Test
  void passesThroughOtherAlgorithmsAndErrors() {
    FakeKms fake = new FakeKms("pii");
    try (KekKms kms = kek(fake, 1_000)) {
      WrappedKey direct = fake.generateDataKey("pii").toCompletableFuture().join().wrapped();
      kms.unwrap(direct).toCompletableFuture().join().close();
      assertThat(fake.calls("unwrap")).isEqualTo(1);
      assertThat(failure(kms.generateDataKey("nope"))).isInstanceOf(UnknownKeyException.class);
      fake.failNext(1, () -> new KmsUnavailableException("fake", "pii", "down"));
      assertThat(failure(kms.generateDataKey("pii"))).isInstanceOf(KmsUnavailableException.class);
      // The failure is not remembered.
      kms.generateDataKey("pii").toCompletableFuture().join().close();
    }
  }

  @Test
  void closeDestroysKeks() {
    FakeKms fake = new FakeKms("pii");
    KekKms kms = kek(fake, 1_000);
    DataKeyPair pair = kms.generateDataKey("pii").toCompletableFuture().join();
    pair.close();
    kms.close();
    assertThat(fake.closed).isTrue();
  }

  private static WrappedKey relabel(WrappedKey w, byte[] bytes) {
    return new WrappedKey(
        w.provider(), w.masterKeyName(), w.masterKeyVersion(), w.algorithm(), bytes);
  }
}
