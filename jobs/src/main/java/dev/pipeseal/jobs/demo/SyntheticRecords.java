package dev.pipeseal.jobs.demo;

import java.io.Serializable;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Reproducible fake training records: the same seed and index always give the same record, so Spark
 * tasks generate rows without shipping them and the read-back check recomputes them.
 */
final class SyntheticRecords implements Serializable {
  private static final long serialVersionUID = 1L;
  static final int EMBEDDING_DIM = 768;
  static final int DAYS = 3;

  private static final String[] FIRST = {"Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald"};
  private static final String[] LAST = {"Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov"};

  private final long seed;

  SyntheticRecords(long seed) {
    this.seed = seed;
  }

  record Row(
      long id, String day, String name, String email, String ssn, String note, float[] embedding) {}

  /** The partition of record {@code id}: one of {@link #DAYS} days. */
  static String day(long id) {
    return "2026-11-0" + (1 + Math.floorMod(id, DAYS));
  }

  Row row(long id) {
    SplittableRandom r = new SplittableRandom(seed ^ (id * 0x9E3779B97F4A7C15L));
    String first = FIRST[r.nextInt(FIRST.length)];
    String last = LAST[r.nextInt(LAST.length)];
    String ssn =
        String.format("%03d-%02d-%04d", r.nextInt(1, 900), r.nextInt(1, 100), r.nextInt(1, 10_000));
    String email = (first + "." + last + id + "@example.com").toLowerCase(Locale.ROOT);
    String note =
        "Customer " + first + " " + last + " (SSN " + ssn + ") asked about invoice " + r.nextInt();
    float[] embedding = new float[EMBEDDING_DIM];
    for (int i = 0; i < embedding.length; i++) {
      embedding[i] = (float) r.nextGaussian();
    }
    return new Row(id, day(id), first + " " + last, email, ssn, note, embedding);
  }
}
