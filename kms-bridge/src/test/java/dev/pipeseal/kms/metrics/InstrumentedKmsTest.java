package dev.pipeseal.kms.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.fake.FakeKms;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InstrumentedKmsTest {
  @Test
  void countsCallsErrorsAndLatency() {
    FakeKms fake = new FakeKms("pii");
    AtomicLong clock = new AtomicLong();
    // Every clock read advances 5 ns, so each call measures exactly 5 ns.
    try (InstrumentedKms kms =
        new InstrumentedKms(
            fake, () -> new KmsMetrics.Cache(3, 1, 0, 0, 1), () -> clock.getAndAdd(5))) {
      WrappedKey w = kms.generateDataKey("pii").toCompletableFuture().join().wrapped();
      kms.unwrap(w).toCompletableFuture().join().close();
      kms.unwrap(w).toCompletableFuture().join().close();
      kms.describe("nope").toCompletableFuture().exceptionally(e -> null).join();
      fake.failNext(1, () -> new KmsUnavailableException("fake", "pii", "down"));
      kms.rewrap(w).toCompletableFuture().exceptionally(e -> null).join();

      KmsMetrics m = kms.snapshot();
      assertThat(m.operation("generate")).isEqualTo(new KmsMetrics.Operation(1, 0, 5, 5));
      assertThat(m.operation("unwrap")).isEqualTo(new KmsMetrics.Operation(2, 0, 10, 5));
      assertThat(m.operation("unwrap").meanNanos()).isEqualTo(5);
      assertThat(m.operation("describe").failures()).isEqualTo(1);
      assertThat(m.operation("rewrap").failures()).isEqualTo(1);
      assertThat(m.operation("rewrapAll")).isEqualTo(KmsMetrics.Operation.NONE);
      assertThat(m.errors())
          .containsEntry("UnknownKeyException", 1L)
          .containsEntry("KmsUnavailableException", 1L)
          .hasSize(2);
      assertThat(m.cache().hits()).isEqualTo(3);
    }
  }
}
