package dev.pipeseal.kms.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.fake.FakeKms;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class ResilientKmsTest {
  private static final ResilienceConfig FAST =
      new ResilienceConfig(Duration.ofSeconds(30), 3, Duration.ofMillis(1), Duration.ofMillis(4));

  static Throwable failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected failure");
  }

  private static KmsUnavailableException unavailable() {
    return new KmsUnavailableException("fake", "pii", "connection refused");
  }

  @Test
  void retriesTransientErrorsUntilSuccess() {
    FakeKms fake = new FakeKms("pii");
    fake.failNext(3, ResilientKmsTest::unavailable);
    try (ResilientKms kms = new ResilientKms(fake, FAST);
        DataKeyPair pair = kms.generateDataKey("pii").toCompletableFuture().join()) {
      assertThat(pair.wrapped().masterKeyName()).isEqualTo("pii");
      assertThat(fake.calls("generate")).isEqualTo(4);
    }
  }

  @Test
  void givesUpAfterRetriesNamingProviderKeyAndAttempts() {
    FakeKms fake = new FakeKms("pii");
    fake.failNext(10, ResilientKmsTest::unavailable);
    try (ResilientKms kms = new ResilientKms(fake, FAST)) {
      assertThat(failure(kms.describe("pii")))
          .isInstanceOf(KmsUnavailableException.class)
          .hasMessageContaining("[fake key 'pii']")
          .hasMessageContaining("after 4 attempts")
          .hasCauseInstanceOf(KmsUnavailableException.class);
      assertThat(fake.calls("describe")).isEqualTo(4);
    }
  }

  @Test
  void neverRetriesDefiniteAnswers() {
    FakeKms fake = new FakeKms("pii");
    try (ResilientKms kms = new ResilientKms(fake, FAST)) {
      fake.failNext(1, () -> new AccessDeniedException("fake", "pii", "ACL"));
      assertThat(failure(kms.generateDataKey("pii"))).isInstanceOf(AccessDeniedException.class);
      assertThat(fake.calls("generate")).isEqualTo(1);

      assertThat(failure(kms.generateDataKey("nope"))).isInstanceOf(UnknownKeyException.class);
      assertThat(fake.calls("generate")).isEqualTo(2);

      fake.failNext(1, () -> new InvalidWrappedKeyException("fake", "pii", "bad"));
      assertThat(failure(kms.describe("pii"))).isInstanceOf(InvalidWrappedKeyException.class);
      assertThat(fake.calls("describe")).isEqualTo(1);
    }
  }

  @Test
  void definiteErrorAfterRetryKeepsTypeAndCountsAttempts() {
    FakeKms fake = new FakeKms("pii");
    fake.failNext(1, ResilientKmsTest::unavailable);
    fake.failNext(1, () -> new UnknownKeyException("fake", "pii", "deleted meanwhile"));
    try (ResilientKms kms = new ResilientKms(fake, FAST)) {
      assertThat(failure(kms.describe("pii")))
          .isInstanceOf(UnknownKeyException.class)
          .hasMessageContaining("attempt 2");
    }
  }

  @Test
  void unexpectedExceptionsBecomeTypedAndAreNotRetried() {
    FakeKms fake = new FakeKms("pii");
    fake.failNext(1, () -> new IllegalStateException("bug"));
    try (ResilientKms kms = new ResilientKms(fake, FAST)) {
      assertThat(failure(kms.describe("pii")))
          .isExactlyInstanceOf(KmsException.class)
          .hasMessageContaining("fake")
          .hasMessageContaining("pii");
      assertThat(fake.calls("describe")).isEqualTo(1);
    }
  }

  @Test
  void timesOutRetriesAndDestroysLateKeys() {
    FakeKms fake = new FakeKms("pii");
    fake.park(true);
    ResilienceConfig config =
        new ResilienceConfig(Duration.ofMillis(20), 1, Duration.ofMillis(1), Duration.ofMillis(1));
    try (ResilientKms kms = new ResilientKms(fake, config)) {
      assertThat(failure(kms.generateDataKey("pii")))
          .isInstanceOf(KmsUnavailableException.class)
          .hasMessageContaining("timed out")
          .hasMessageContaining("after 2 attempts");
      assertThat(fake.calls("generate")).isEqualTo(2);
      // The answers arrive late: nobody owns them, so the decorator must destroy them.
      fake.releaseParked();
      assertThat(fake.released).hasSize(2);
      for (Object late : fake.released) {
        assertThat(((DataKeyPair) late).plaintext().isDestroyed()).isTrue();
      }
    }
  }

  @Test
  void backoffIsFullJitterBelowAnExponentialCap() {
    ResilienceConfig c =
        new ResilienceConfig(
            Duration.ofSeconds(1), 10, Duration.ofMillis(100), Duration.ofSeconds(1));
    assertThat(ResilientKms.backoffNanos(c, 1, 0.0)).isZero();
    assertThat(ResilientKms.backoffNanos(c, 1, 0.999999)).isBetween(99_000_000L, 100_000_000L);
    assertThat(ResilientKms.backoffNanos(c, 3, 0.999999)).isBetween(399_000_000L, 400_000_000L);
    assertThat(ResilientKms.backoffNanos(c, 10, 0.999999)).isBetween(999_000_000L, 1_000_000_000L);
    assertThat(ResilientKms.backoffNanos(c, 60, 0.999999)).isLessThanOrEqualTo(1_000_000_000L);
  }

  @Test
  void configValidation() {
    assertThatThrownBy(
            () ->
                new ResilienceConfig(Duration.ZERO, 1, Duration.ofMillis(1), Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new ResilienceConfig(
                    Duration.ofSeconds(1), -1, Duration.ofMillis(1), Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new ResilienceConfig(
                    Duration.ofSeconds(1), 1, Duration.ofMillis(10), Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ResilienceConfig.DEFAULTS.maxAttempts()).isEqualTo(4);
  }

  @Test
  void closeClosesInner() {
    FakeKms fake = new FakeKms("pii");
    new ResilientKms(fake, FAST).close();
    assertThat(fake.closed).isTrue();
  }
}
