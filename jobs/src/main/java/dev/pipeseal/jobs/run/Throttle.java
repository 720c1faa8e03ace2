package dev.pipeseal.jobs.run;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** A token bucket of KMS calls per second for one JVM (one second of burst). */
public final class Throttle {
  private final double perSecond;
  private double tokens;
  private long last;

  /**
   * @param perSecond calls per second; 0 or less means unlimited
   */
  public Throttle(double perSecond) {
    this.perSecond = perSecond;
    this.tokens = Math.max(1, perSecond);
    this.last = System.nanoTime();
  }

  public void acquire(int n) {
    if (perSecond <= 0) {
      return;
    }
    long waitNanos;
    synchronized (this) {
      long now = System.nanoTime();
      tokens = Math.min(Math.max(1, perSecond), tokens + (now - last) / 1e9 * perSecond);
      last = now;
      tokens -= n;
      waitNanos = tokens >= 0 ? 0 : (long) (-tokens / perSecond * 1e9);
    }
    if (waitNanos > 0) {
      LockSupport.parkNanos(Math.min(waitNanos, TimeUnit.MINUTES.toNanos(1)));
    }
  }
}
