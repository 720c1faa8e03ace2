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
  void kmsRateIsAJobBudgetSplitOverTheTasksThatRunAtOnce() {
    // 8 threads asked, 4 task slots in the cluster: 4 tasks of 25/s each, 100/s in total.
    SparkRunner.Plan p = SparkRunner.Plan.of(1000, 8, 4, 100);
    assertThat(p.slices()).isEqualTo(4);
    assertThat(p.perTaskRate() * p.slices()).isEqualTo(100);
    // Fewer files than slots: one task per file, each with a bigger share.
    SparkRunner.Plan small = SparkRunner.Plan.of(2, 8, 16, 100);
    assertThat(small.slices()).isEqualTo(2);
    assertThat(small.perTaskRate()).isEqualTo(50);
    // --parallelism caps the tasks below the cluster's slots.
    assertThat(SparkRunner.Plan.of(1000, 3, 64, 90).perTaskRate()).isEqualTo(30);
    // Unlimited: four tasks per thread for balance, no throttle.
    SparkRunner.Plan free = SparkRunner.Plan.of(1000, 8, 4, 0);
    assertThat(free.slices()).isEqualTo(32);
    assertThat(free.perTaskRate()).isZero();
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
