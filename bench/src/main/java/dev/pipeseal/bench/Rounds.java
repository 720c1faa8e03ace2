package dev.pipeseal.bench;

/** Timing shared by the suites: warm-up by call count, alternating side-by-side rounds. */
final class Rounds {
  /** Rounds per side in every alternating comparison. */
  static final int COUNT = 15;

  private Rounds() {}

  /** Runs every round {@code times} times: C2 compiles by call count, whatever the clock says. */
  static void warm(int times, Runnable... rounds) {
    for (int i = 0; i < times; i++) {
      for (Runnable r : rounds) {
        r.run();
      }
    }
  }

  /** Alternates the two rounds {@link #COUNT} times; returns seconds per round for each side. */
  static double[][] alternate(Runnable ours, Runnable baseline) {
    double[] a = new double[COUNT];
    double[] b = new double[COUNT];
    for (int i = 0; i < COUNT; i++) {
      a[i] = seconds(ours);
      b[i] = seconds(baseline);
    }
    return new double[][] {a, b};
  }

  /** Wall-clock seconds of one run of {@code r}. */
  static double seconds(Runnable r) {
    long t0 = System.nanoTime();
    r.run();
    return (System.nanoTime() - t0) / 1e9;
  }
}
