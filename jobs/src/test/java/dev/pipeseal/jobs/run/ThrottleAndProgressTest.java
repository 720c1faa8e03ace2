package dev.pipeseal.jobs.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.jobs.report.Progress;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ThrottleAndProgressTest {
  @Test
  void throttleHoldsTheRateAfterOneSecondOfBurst() {
    Throttle t = new Throttle(50);
    long t0 = System.nanoTime();
    for (int i = 0; i < 75; i++) {
      t.acquire(1);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    assertThat(secs).isGreaterThan(0.4); // 50 of burst, then 25 at 50/s
  }

  @Test
  void unlimitedNeverWaits() {
    Throttle t = new Throttle(0);
    long t0 = System.nanoTime();
    t.acquire(1_000_000);
    assertThat(System.nanoTime() - t0).isLessThan(100_000_000L);
  }

  @Test
  void progressShowsDoneTotalRateAndEta() {
    AtomicLong now = new AtomicLong(0);
    Progress p = new Progress("rotate", 1000, now::get);
    now.set(10_000_000_000L); // 10 s
    assertThat(p.line(200, 100))
        .isEqualTo(
            "rotate: 300/1000 files (30.0%), 20.0 files/s, ETA 0m35s, 100 done by an earlier run");
  }
}
