package dev.pipeseal.jobs.report;

import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/** done/total, rate and ETA, as one line per batch. */
public final class Progress {
  private final String command;
  private final long total;
  private final long startNanos;
  private final LongSupplier clock;

  public Progress(String command, long total, LongSupplier nanoClock) {
    this.command = command;
    this.total = total;
    this.clock = nanoClock;
    this.startNanos = nanoClock.getAsLong();
  }

  /** {@code done} counts files finished in this run; {@code resumed} those a checkpoint skipped. */
  public String line(long done, long resumed) {
    double secs = Math.max(1e-9, (clock.getAsLong() - startNanos) / 1e9);
    double rate = done / secs;
    long left = total - done - resumed;
    String eta = rate > 0 ? format(Duration.ofSeconds((long) Math.ceil(left / rate))) : "?";
    return String.format(
        Locale.ROOT,
        "%s: %d/%d files (%.1f%%), %.1f files/s, ETA %s%s",
        command,
        done + resumed,
        total,
        total == 0 ? 100.0 : 100.0 * (done + resumed) / total,
        rate,
        eta,
        resumed > 0 ? ", " + resumed + " done by an earlier run" : "");
  }

  private static String format(Duration d) {
    long s = d.getSeconds();
    return s >= 3600
        ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
