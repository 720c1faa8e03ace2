package dev.pipeseal.kms.settings;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The value syntax of durations and sizes, shared by every property so that {@code 10s} means the
 * same everywhere. Errors are {@link IllegalArgumentException}s whose message states the rule and
 * never repeats the value; {@link Settings} adds the property name.
 */
public final class Quantities {
  private Quantities() {}

  /**
   * Parses {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}, ISO-8601 ({@code
   * PT1M30S}) or a bare whole number in {@code bareUnit}. Negative durations are refused.
   */
  public static Duration duration(String text, ChronoUnit bareUnit) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    String rule =
        "must be a duration such as 500ms, 10s, 5m, 1h, 2d or PT1M30S (a bare number is in "
            + bareUnit.name().toLowerCase(Locale.ROOT)
            + ")";
    try {
      Duration d;
      if (t.startsWith("p")) {
        d = Duration.parse(t.toUpperCase(Locale.ROOT));
      } else {
        int split = digits(t);
        if (split == 0) {
          throw new IllegalArgumentException(rule);
        }
        long n = Long.parseLong(t.substring(0, split));
        d =
            switch (t.substring(split)) {
              case "" -> Duration.of(n, bareUnit);
              case "ms" -> Duration.ofMillis(n);
              case "s" -> Duration.ofSeconds(n);
              case "m" -> Duration.ofMinutes(n);
              case "h" -> Duration.ofHours(n);
              case "d" -> Duration.ofDays(n);
              default -> throw new IllegalArgumentException(rule);
            };
      }
      if (d.isNegative()) {
        throw new IllegalArgumentException("must not be negative");
      }
      return d;
    } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException(rule);
    }
  }

  /**
   * Parses a byte count: a bare number of bytes, or a number with {@code k}/{@code KiB}, {@code
   * m}/{@code MiB}, {@code g}/{@code GiB}, {@code t}/{@code TiB} (powers of 1024) or {@code kB},
   * {@code MB}, {@code GB}, {@code TB} (powers of 1000). Case matters only between {@code kB}-style
   * decimal and the rest.
   */
  public static long bytes(String text) {
    String t = text.strip();
    String rule = "must be a size such as 4096, 64k, 16MiB, 1g or 10MB";
    int split = digits(t);
    if (split == 0) {
      throw new IllegalArgumentException(rule);
    }
    long multiplier =
        switch (t.substring(split).strip()) {
          case "", "b", "B" -> 1L;
          case "k", "K", "ki", "Ki", "KiB", "kiB" -> 1L << 10;
          case "m", "M", "mi", "Mi", "MiB" -> 1L << 20;
          case "g", "G", "gi", "Gi", "GiB" -> 1L << 30;
          case "t", "T", "ti", "Ti", "TiB" -> 1L << 40;
          case "kB", "KB" -> 1_000L;
          case "MB" -> 1_000_000L;
          case "GB" -> 1_000_000_000L;
          case "TB" -> 1_000_000_000_000L;
          default -> throw new IllegalArgumentException(rule);
        };
    try {
      return Math.multiplyExact(Long.parseLong(t.substring(0, split)), multiplier);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(rule + " (too large)");
    }
  }

  /** Renders a duration the way {@link #duration} reads it, for defaults in tables. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    long ms = d.toMillis();
    if (!d.equals(Duration.ofMillis(ms))) {
      return d.toString();
    }
    if (ms % 86_400_000L == 0) {
      return ms / 86_400_000L + "d";
    }
    if (ms % 3_600_000L == 0) {
      return ms / 3_600_000L + "h";
    }
    if (ms % 60_000L == 0) {
      return ms / 60_000L + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }

  private static int digits(String t) {
    int i = 0;
    while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
      i++;
    }
    return i;
  }
}
