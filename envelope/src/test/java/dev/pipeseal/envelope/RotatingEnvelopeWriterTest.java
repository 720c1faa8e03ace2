package dev.pipeseal.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.fake.FakeKms;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DEK reuse within limits, background prefetch, handover, and behaviour with the KMS down. */
class RotatingEnvelopeWriterTest {
  private static final EnvelopeContext CTX = EnvelopeContext.of("orders");
  private static final byte[] VALUE = "hello".getBytes(StandardCharsets.UTF_8);

  private final FakeKms kms = new FakeKms("k");
  private final EnvelopeKeys keys = EnvelopeKeys.inline(kms);
  private final AtomicLong clock = new AtomicLong();

  @AfterEach
  void close() {
    kms.close();
  }

  private RotatingEnvelopeWriter writer(long maxValues, Duration maxAge) {
    return RotatingEnvelopeWriter.start(
        keys,
        "k",
        Algorithm.XAES_256_GCM,
        new DekLimits(maxValues, maxAge, 0.8, Duration.ofSeconds(5)),
        clock::get);
  }

  private static Object keyRef(byte[] envelope) {
    return Envelope.parseHeader(envelope).keyReference();
  }

  @Test
  void reusesDekWithinLimitAndRotatesAfter() {
    try (RotatingEnvelopeWriter w = writer(10, Duration.ofHours(1));
        EnvelopeReader reader = new EnvelopeReader(keys)) {
      Set<Object> refs = new HashSet<>();
      for (int i = 0; i < 25; i++) {
        byte[] env = w.encrypt(VALUE, CTX);
        refs.add(keyRef(env));
        assertThat(reader.decrypt(env, CTX)).isEqualTo(VALUE);
      }
      assertThat(refs).hasSize(3);
      assertThat(w.generations()).isEqualTo(3);
      // One fetch per DEK plus at most one prefetched spare: no KMS call per value.
      assertThat(kms.calls("generate")).isBetween(3, 4);
    }
  }

  @Test
  void rotatesByAge() {
    try (RotatingEnvelopeWriter w = writer(1_000, Duration.ofMinutes(10))) {
      Object first = keyRef(w.encrypt(VALUE, CTX));
      clock.addAndGet(Duration.ofMinutes(9).toNanos());
      assertThat(keyRef(w.encrypt(VALUE, CTX))).isEqualTo(first);
      clock.addAndGet(Duration.ofMinutes(2).toNanos());
      assertThat(keyRef(w.encrypt(VALUE, CTX))).isNotEqualTo(first);
    }
  }

  @Test
  void prefetchedKeyMeansRotationDoesNotWaitOnKms() {
    try (RotatingEnvelopeWriter w = writer(10, Duration.ofHours(1))) {
      for (int i = 0; i < 9; i++) {
        w.encrypt(VALUE, CTX); // the 8th value starts the prefetch
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!w.nextKeyReady() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(w.nextKeyReady()).isTrue();
      kms.hold(); // from now on the KMS answers nothing until released
      for (int i = 0; i < 10; i++) {
        w.encrypt(VALUE, CTX); // value 11 switches to the prefetched DEK
      }
      assertThat(w.generations()).isEqualTo(2);
      kms.release();
    }
  }

  @Test
  void kmsDownKeepsCurrentKeyThenFailsClosed() {
    try (RotatingEnvelopeWriter w = writer(5, Duration.ofHours(1))) {
      w.encrypt(VALUE, CTX);
      kms.failNext(100, () -> new KmsUnavailableException("fake", "k", "connection refused"));
      for (int i = 0; i < 4; i++) {
        w.encrypt(VALUE, CTX);
      }
      assertThatThrownBy(() -> w.encrypt(VALUE, CTX))
          .isInstanceOf(DataKeyUnavailableException.class)
          .hasMessageContaining("'k'")
          .hasMessageContaining("connection refused");
      // Recovery: once the KMS answers again (after the fail-fast hold), a new DEK is used.
      drainFailures();
      clock.addAndGet(Duration.ofSeconds(2).toNanos());
      assertThat(w.encrypt(VALUE, CTX)).isNotEmpty();
      assertThat(w.generations()).isEqualTo(2);
    }
  }

  private void drainFailures() {
    // Consume queued failures so the fake answers normally again.
    while (true) {
      try {
        KmsCalls.await(kms.generateDataKey("k")).close();
        return;
      } catch (KmsUnavailableException e) {
        // keep draining
      }
    }
  }

  @Test
  void rejectsDeterministicAlgorithm() {
    assertThatThrownBy(
            () ->
                RotatingEnvelopeWriter.start(
                    keys, "k", Algorithm.AES_SIV, DekLimits.DEFAULTS, System::nanoTime))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fixedKeyWriterIsDeterministicAcrossInstances() {
    String wrapped = FixedKeyEnvelopeWriter.newWrappedKey(keys, "k");
    try (FixedKeyEnvelopeWriter a = FixedKeyEnvelopeWriter.open(keys, wrapped, Algorithm.AES_SIV);
        FixedKeyEnvelopeWriter b = FixedKeyEnvelopeWriter.open(keys, wrapped, Algorithm.AES_SIV);
        EnvelopeReader reader = new EnvelopeReader(keys)) {
      byte[] x = a.encrypt(VALUE, CTX);
      assertThat(b.encrypt(VALUE, CTX)).isEqualTo(x);
      assertThat(a.encrypt(VALUE, EnvelopeContext.of("other"))).isNotEqualTo(x);
      assertThat(reader.decrypt(x, CTX)).isEqualTo(VALUE);
      assertThat(wrapped).doesNotContain("k#");
    }
  }
}
