package dev.pipeseal.kms.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.ForwardingKms;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.fake.FakeKms;
import dev.pipeseal.kms.hierarchy.KekKms;
import dev.pipeseal.kms.metrics.KmsMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Drills of the full bridge stack (metrics, DEK cache, KEK layer, resilience, provider metrics) in
 * front of a KMS that misbehaves: slow, flapping, answering garbage, throttling. Each drill counts
 * the calls that reach the KMS against the configured attempts, checks that many concurrent callers
 * of one key share those attempts, that errors are typed, name provider and key and carry no key
 * material, that the bridge recovers when the KMS does, and what the metrics show.
 *
 * <p>The resilience layer has no circuit breaker: an outage is visible as the error counters of
 * {@link KmsBridge#metrics()} (callers) and {@link KmsBridge#providerMetrics()} (attempts).
 */
class KmsMisbehaviourDrillTest {
  private static final int RETRIES = 2;
  private static final int ATTEMPTS = RETRIES + 1;
  private static final Duration TIMEOUT = Duration.ofMillis(500);
  private static final Duration INITIAL_BACKOFF = Duration.ofMillis(5);
  private static final Duration MAX_BACKOFF = Duration.ofMillis(20);
  private static final int CALLERS = 50;
  private static final int DEKS = 10;

  /** What the KMS does to the calls reaching it; counts them all. */
  enum Fault {
    NONE,
    FLAPPING,
    GARBAGE
  }

  /** The misbehaving KMS: a {@link FakeKms} (real AES-GCM wrapping) behind scripted faults. */
  static final class MisbehavingKms extends ForwardingKms {
    final FakeKms fake;
    final AtomicInteger reached = new AtomicInteger();
    volatile Fault fault = Fault.NONE;

    MisbehavingKms(FakeKms fake) {
      super(fake);
      this.fake = fake;
    }

    @Override
    public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
      return faulty(masterKeyName, () -> super.generateDataKey(masterKeyName));
    }

    @Override
    public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
      if (fault == Fault.GARBAGE) {
        reached.incrementAndGet();
        // A well-formed answer with the wrong key in it, as from a corrupting proxy.
        return super.unwrap(wrapped)
            .thenApply(
                right -> {
                  right.close();
                  return DataKey.generate();
                });
      }
      return faulty(wrapped.masterKeyName(), () -> super.unwrap(wrapped));
    }

    private <T> CompletionStage<T> faulty(
        String keyName, java.util.function.Supplier<CompletionStage<T>> call) {
      int n = reached.incrementAndGet();
      if (fault == Fault.FLAPPING && n % 2 == 1) {
        return CompletableFuture.failedFuture(
            new KmsUnavailableException("fake", keyName, "connection reset (flapping)"));
      }
      return call.get();
    }
  }

  private static KmsBridge bridge(MisbehavingKms kms) {
    KmsBridgeConfig config =
        KmsBridgeConfig.fromProperties(
            Map.of(
                "pipeseal.kms.uri",
                "fake:drill",
                "pipeseal.kms.timeout",
                TIMEOUT.toMillis() + "ms",
                "pipeseal.kms.retries",
                String.valueOf(RETRIES),
                "pipeseal.kms.retry.initial-backoff",
                INITIAL_BACKOFF.toMillis() + "ms",
                "pipeseal.kms.retry.max-backoff",
                MAX_BACKOFF.toMillis() + "ms",
                "pipeseal.kms.audit.sink",
                "none"));
    return KmsBridge.assemble(kms, config, Clock.systemUTC());
  }

  /** DEKs of {@code master} made by a healthy writer, all under one KEK, with their material. */
  private static List<WrappedKey> writeDeks(MisbehavingKms kms, String master, List<String> hex) {
    List<WrappedKey> out = new ArrayList<>();
    try (KmsBridge writer = bridge(kms)) {
      for (int i = 0; i < DEKS; i++) {
        try (DataKeyPair pair = writer.generateDataKey(master).toCompletableFuture().join()) {
          out.add(pair.wrapped());
          hex.add(HexFormat.of().formatHex(pair.plaintext().withMaterial(byte[]::clone)));
        }
      }
    }
    assertThat(out.get(0).algorithm()).isEqualTo(KekKms.ALGORITHM);
    return out;
  }

  /** {@link #CALLERS} unwraps at once, spread over {@code keys}; every outcome, in order. */
  private static List<CompletableFuture<DataKey>> unwrapConcurrently(
      KmsBridge bridge, List<WrappedKey> keys) {
    List<CompletableFuture<DataKey>> calls = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      calls.add(bridge.unwrap(keys.get(i % keys.size())).toCompletableFuture());
    }
    return calls;
  }

  private static Throwable failure(CompletableFuture<?> f) throws InterruptedException {
    try {
      Object v = f.get(60, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + v);
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("unbounded: no answer within 60 s", e);
    }
  }

  /** Typed, names provider and key, and shows no key material in any form. */
  private static void assertClear(
      Throwable t, Class<? extends KmsException> type, List<String> secretHex) {
    assertThat(t).isInstanceOf(type);
    KmsException k = (KmsException) t;
    assertThat(k.provider()).isEqualTo("fake");
    assertThat(k.keyName()).isEqualTo("pii");
    assertThat(k.getMessage()).contains("[fake key 'pii']");
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT);
      for (String hex : secretHex) {
        assertThat(m).doesNotContain(hex);
        assertThat(String.valueOf(c.getMessage()))
            .doesNotContain(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex)));
      }
    }
  }

  private static void assertReadable(KmsBridge bridge, List<WrappedKey> keys, List<String> hex) {
    for (int i = 0; i < keys.size(); i++) {
      try (DataKey k = bridge.unwrap(keys.get(i)).toCompletableFuture().join()) {
        assertThat(HexFormat.of().formatHex(k.withMaterial(byte[]::clone))).isEqualTo(hex.get(i));
      }
    }
  }

  @Test
  void slowKmsTimesOutAfterBoundedAttemptsSharedByAllCallersAndRecovers() throws Exception {
    MisbehavingKms kms = new MisbehavingKms(new FakeKms("pii"));
    List<String> hex = new ArrayList<>();
    List<WrappedKey> deks = writeDeks(kms, "pii", hex);
    try (KmsBridge reader = bridge(kms)) {
      kms.fake.park(true); // answers never come
      int before = kms.fake.calls("unwrap");
      long start = System.nanoTime();
      List<CompletableFuture<DataKey>> calls = unwrapConcurrently(reader, deks);
      List<Throwable> errors = new ArrayList<>();
      for (CompletableFuture<DataKey> f : calls) {
        errors.add(failure(f));
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      // 50 callers over 10 DEKs under one KEK: one KEK load, retried, for all of them.
      int observed = kms.fake.calls("unwrap") - before;
      assertThat(observed).isEqualTo(ATTEMPTS);
      for (Throwable e : errors) {
        assertClear(e, KmsUnavailableException.class, hex);
        assertThat(e.getMessage())
            .contains("unwrap failed after " + ATTEMPTS + " attempts")
            .contains("timed out after " + TIMEOUT.toMillis() + " ms");
      }
      // Bounded: attempts x timeout plus the backoff caps, with 10x slack for a loaded machine.
      long bound = ATTEMPTS * TIMEOUT.toMillis() + INITIAL_BACKOFF.toMillis() * 3;
      assertThat(elapsedMs).isLessThan(10 * bound);

      KmsMetrics callers = reader.metrics();
      assertThat(callers.operation("unwrap").failures()).isEqualTo(CALLERS);
      assertThat(callers.errors()).containsEntry("KmsUnavailableException", (long) CALLERS);
      assertThat(callers.cache().misses()).isEqualTo(DEKS);
      // Attempts that never answered are not in the provider's counters yet.
      assertThat(reader.providerMetrics().operation("unwrap").calls()).isZero();

      // The KMS comes back; the late answers are discarded and their keys destroyed.
      kms.fake.park(false);
      kms.fake.releaseParked();
      assertThat(kms.fake.released).hasSize(ATTEMPTS);
      for (Object late : kms.fake.released) {
        assertThat(((DataKey) late).isDestroyed()).isTrue();
      }
      assertReadable(reader, deks, hex);
      assertThat(kms.fake.calls("unwrap") - before).isEqualTo(ATTEMPTS + 1);
      assertThat(reader.metrics().operation("unwrap").failures()).isEqualTo(CALLERS);
      System.out.printf(
          "DRILL slow: callers=%d kmsCalls=%d bound=%d elapsedMs=%d boundMs=%d%n",
          CALLERS, observed, ATTEMPTS, elapsedMs, bound);
    }
  }

  @Test
  void flappingKmsIsRiddenOutWithinTheRetryBudget() {
    MisbehavingKms kms = new MisbehavingKms(new FakeKms("a", "b", "c", "d", "e", "f"));
    List<String> masters = List.of("a", "b", "c", "d", "e", "f");
    kms.fault = Fault.FLAPPING; // every other call fails
    List<WrappedKey> written = new ArrayList<>();
    List<String> hex = new ArrayList<>();
    try (KmsBridge writer = bridge(kms)) {
      for (String m : masters) {
        try (DataKeyPair pair = writer.generateDataKey(m).toCompletableFuture().join()) {
          written.add(pair.wrapped());
          hex.add(HexFormat.of().formatHex(pair.plaintext().withMaterial(byte[]::clone)));
        }
      }
      assertThat(writer.metrics().operation("generate").failures()).isZero();
      assertThat(writer.providerMetrics().operation("generate").calls()).isEqualTo(12);
      assertThat(writer.providerMetrics().errors()).containsEntry("KmsUnavailableException", 6L);
    }
    try (KmsBridge reader = bridge(kms)) {
      assertReadable(reader, written, hex);
      KmsMetrics attempts = reader.providerMetrics();
      assertThat(attempts.operation("unwrap").calls()).isEqualTo(12);
      assertThat(attempts.operation("unwrap").calls()).isLessThanOrEqualTo(ATTEMPTS * 6L);
      assertThat(attempts.errors()).containsEntry("KmsUnavailableException", 6L);
      assertThat(reader.metrics().errors()).isEmpty();
    }
    assertThat(kms.reached.get()).isEqualTo(24);
    System.out.printf(
        "DRILL flapping: ops=12 kmsCalls=%d bound=%d callerFailures=0%n",
        kms.reached.get(), ATTEMPTS * 12);
  }

  @Test
  void flappingWorseThanTheRetryBudgetFailsTypedAndRecovers() throws Exception {
    MisbehavingKms kms = new MisbehavingKms(new FakeKms("pii"));
    List<String> hex = new ArrayList<>();
    List<WrappedKey> deks = writeDeks(kms, "pii", hex);
    try (KmsBridge reader = bridge(kms)) {
      kms.fake.failNext(
          ATTEMPTS, () -> new KmsUnavailableException("fake", "pii", "connection refused"));
      List<CompletableFuture<DataKey>> calls = unwrapConcurrently(reader, deks);
      for (CompletableFuture<DataKey> f : calls) {
        Throwable e = failure(f);
        assertClear(e, KmsUnavailableException.class, hex);
        assertThat(e.getMessage()).contains("unwrap failed after " + ATTEMPTS + " attempts");
      }
      assertThat(reader.providerMetrics().operation("unwrap").calls()).isEqualTo(ATTEMPTS);
      assertThat(reader.metrics().errors()).containsEntry("KmsUnavailableException", 50L);
      assertReadable(reader, deks, hex);
      assertThat(reader.providerMetrics().operation("unwrap").calls()).isEqualTo(ATTEMPTS + 1);
    }
  }

  @Test
  void tamperedWrappedKeyIsRefusedOnceWithoutRetries() throws Exception {
    MisbehavingKms kms = new MisbehavingKms(new FakeKms("pii"));
    List<String> hex = new ArrayList<>();
    List<WrappedKey> deks = writeDeks(kms, "pii", hex);
    WrappedKey good = deks.get(0);
    byte[] bytes = good.bytes();
    bytes[bytes.length - 1] ^= 1; // last byte of the DEK's GCM tag
    WrappedKey tampered =
        new WrappedKey(
            good.provider(),
            good.masterKeyName(),
            good.masterKeyVersion(),
            good.algorithm(),
            bytes);
    try (KmsBridge reader = bridge(kms)) {
      int before = kms.fake.calls("unwrap");
      kms.fake.hold(); // all callers in flight at once
      List<CompletableFuture<DataKey>> calls = unwrapConcurrently(reader, List.of(tampered));
      kms.fake.release();
      for (CompletableFuture<DataKey> f : calls) {
        Throwable e = failure(f);
        assertClear(e, InvalidWrappedKeyException.class, hex);
        assertThat(e.getMessage()).contains("failed authentication");
      }
      // The KEK itself is fine: fetched once, never retried.
      assertThat(kms.fake.calls("unwrap") - before).isEqualTo(1);
      assertThat(reader.metrics().errors()).containsEntry("InvalidWrappedKeyException", 50L);
      assertThat(reader.providerMetrics().errors()).isEmpty();
      // A DEK failing under its KEK drops the KEK (it may be the KMS's fault): one call more.
      assertReadable(reader, deks, hex);
      assertThat(kms.fake.calls("unwrap") - before).isEqualTo(2);
      // The price: a read of the tampered key drops the KEK the last one fetched again, so each
      // read after the first asks the KMS once, as every read does without the KEK layer.
      for (int i = 0; i < 5; i++) {
        assertClear(
            failure(reader.unwrap(tampered).toCompletableFuture()),
            InvalidWrappedKeyException.class,
            hex);
      }
      assertThat(kms.fake.calls("unwrap") - before).isEqualTo(2 + 4);
      assertThat(reader.providerMetrics().errors()).isEmpty();
    }
  }

  @Test
  void garbageKeyFromTheKmsFailsAuthenticationAndRecoversWhenTheKmsDoes() throws Exception {
    MisbehavingKms kms = new MisbehavingKms(new FakeKms("pii"));
    List<String> hex = new ArrayList<>();
    List<WrappedKey> deks = writeDeks(kms, "pii", hex);
    try (KmsBridge reader = bridge(kms)) {
      kms.fault = Fault.GARBAGE;
      int before = kms.reached.get();
      kms.fake.hold(); // all callers in flight at once
      List<CompletableFuture<DataKey>> calls = unwrapConcurrently(reader, deks);
      kms.fake.release();
      for (CompletableFuture<DataKey> f : calls) {
        Throwable e = failure(f);
        assertClear(e, InvalidWrappedKeyException.class, hex);
        assertThat(e.getMessage()).contains("failed authentication under its KEK");
      }
      int observed = kms.reached.get() - before;
      assertThat(observed).isEqualTo(1);
      assertThat(reader.metrics().errors()).containsEntry("InvalidWrappedKeyException", 50L);

      // Without dropping the wrong KEK, this failed for the KEK's lifetime (10 min by default).
      kms.fault = Fault.NONE;
      assertReadable(reader, deks, hex);
      assertThat(kms.reached.get() - before - observed).isEqualTo(1);
      System.out.printf(
          "DRILL garbage: callers=%d kmsCallsDuringFault=%d kmsCallsToRecover=%d%n",
          CALLERS, observed, kms.reached.get() - before - observed);
    }
  }

  @Test
  void throttlingIsRetriedWithinTheBudgetAndSharedByAllCallers() throws Exception {
    MisbehavingKms kms = new MisbehavingKms(new FakeKms("pii"));
    List<String> hex = new ArrayList<>();
    List<WrappedKey> deks = writeDeks(kms, "pii", hex);
    // What the HTTP providers map 429 and 503 to (see VaultKmsTest, KmsErrors in kms-hadoop).
    try (KmsBridge reader = bridge(kms)) {
      kms.fake.failNext(
          RETRIES,
          () -> new KmsUnavailableException("fake", "pii", "HTTP 429: rate limit quota exceeded"));
      List<CompletableFuture<DataKey>> calls = unwrapConcurrently(reader, deks);
      for (CompletableFuture<DataKey> f : calls) {
        f.get(60, TimeUnit.SECONDS).close();
      }
      assertThat(reader.providerMetrics().operation("unwrap").calls()).isEqualTo(ATTEMPTS);
      assertThat(reader.providerMetrics().errors()).containsEntry("KmsUnavailableException", 2L);
      assertThat(reader.metrics().errors()).isEmpty();
    }
    try (KmsBridge reader = bridge(kms)) {
      kms.fake.failNext(
          ATTEMPTS + 5,
          () -> new KmsUnavailableException("fake", "pii", "HTTP 503: Vault is sealed"));
      List<CompletableFuture<DataKey>> calls = unwrapConcurrently(reader, deks);
      for (CompletableFuture<DataKey> f : calls) {
        Throwable e = failure(f);
        assertClear(e, KmsUnavailableException.class, hex);
        assertThat(e.getMessage())
            .contains("unwrap failed after " + ATTEMPTS + " attempts")
            .contains("HTTP 503");
      }
      assertThat(reader.providerMetrics().operation("unwrap").calls()).isEqualTo(ATTEMPTS);
      assertThat(reader.metrics().errors()).containsEntry("KmsUnavailableException", 50L);
    }
  }
}
