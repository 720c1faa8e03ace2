package dev.pipeseal.bench;

import java.util.Arrays;
import java.util.Locale;

/** Prints result lines in the one format every suite uses. */
final class BenchReport {
  private BenchReport() {}

  /** A side-by-side case: ratio = ours / baseline (both as throughputs, higher is better). */
  static void ratio(String name, double ours, double baseline, String unit) {
    System.out.printf(
        Locale.ROOT,
        "BENCH %s ratio=%.3f ours=%.4g baseline=%.4g unit=%s%n",
        name,
        ours / baseline,
        ours,
        baseline,
        unit);
    System.out.flush();
  }

  /** A case with no baseline (e.g. absolute GB/s or a count). */
  static void value(String name, double value, String unit) {
    System.out.printf(Locale.ROOT, "BENCH %s value=%.4g unit=%s%n", name, value, unit);
    System.out.flush();
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
