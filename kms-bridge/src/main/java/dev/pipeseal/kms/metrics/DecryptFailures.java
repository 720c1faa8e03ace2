package dev.pipeseal.kms.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts values that could not be decrypted, by {@link DecryptFailureKind} and, JVM-wide, by where
 * the value lives (its context: column, topic and field). Only failures touch it: the success path
 * of a reader never does, so it costs nothing there.
 *
 * <p>One JVM-wide set ({@link #jvm()}) feeds every exporter (JMX, the Spark plugin, the CLI's
 * metrics file, through {@link DataPathMetrics#samples()}); a host that reports its own counts (a
 * Kafka deserializer's plugin metrics) takes a {@link #child()}, which counts into the JVM's set
 * too.
 */
public final class DecryptFailures {
  /**
   * Distinct {@code where} values kept per kind; beyond it failures count under {@value #OVERFLOW}.
   * Contexts come from configuration (columns, topics), but a misconfigured context template could
   * make one per value, and a label per value would swamp any metrics system.
   */
  static final int MAX_WHERE = 200;

  /** The {@code where} label of failures past {@link #MAX_WHERE}. */
  public static final String OVERFLOW = "(other)";

  private static final DecryptFailureKind[] KINDS = DecryptFailureKind.values();
  private static final DecryptFailures JVM = new DecryptFailures(null);

  static {
    // A JVM that only decrypts (a consumer) has its failures on JMX from the first reader on.
    DataPathMetrics.exportOnce();
  }

  private final DecryptFailures parent;
  private final LongAdder[] byKind = new LongAdder[KINDS.length];
  // Only the JVM's set keeps the per-context breakdown; children report totals per kind.
  private final Map<DecryptFailureKind, Map<String, LongAdder>> byWhere;

  private DecryptFailures(DecryptFailures parent) {
    this.parent = parent;
    for (int i = 0; i < byKind.length; i++) {
      byKind[i] = new LongAdder();
    }
    this.byWhere = parent == null ? new ConcurrentHashMap<>() : null;
  }

  /** The JVM's counters. */
  public static DecryptFailures jvm() {
    return JVM;
  }

  /** Counters of one host (e.g. a Kafka deserializer) that also count into {@link #jvm()}. */
  public static DecryptFailures child() {
    return new DecryptFailures(JVM);
  }

  /**
   * Counts {@code failure} (classified by {@link DecryptFailureKind#of}) for a value in {@code
   * where} (a context description; null when unknown) and returns its kind.
   */
  public DecryptFailureKind record(Throwable failure, String where) {
    DecryptFailureKind kind = DecryptFailureKind.of(failure);
    record(kind, where);
    return kind;
  }

  /** Counts one failure of {@code kind} for a value in {@code where} (null when unknown). */
  public void record(DecryptFailureKind kind, String where) {
    byKind[kind.ordinal()].increment();
    if (byWhere != null) {
      Map<String, LongAdder> m = byWhere.computeIfAbsent(kind, k -> new ConcurrentHashMap<>());
      String w = where == null ? "" : where;
      LongAdder n = m.get(w);
      if (n == null) {
        n = m.size() < MAX_WHERE ? m.computeIfAbsent(w, x -> new LongAdder()) : null;
        if (n == null) {
          n = m.computeIfAbsent(OVERFLOW, x -> new LongAdder());
        }
      }
      n.increment();
    }
    if (parent != null) {
      parent.record(kind, where);
    }
  }

  /** Failures of {@code kind} so far. */
  public long count(DecryptFailureKind kind) {
    return byKind[kind.ordinal()].sum();
  }

  /** Failures of every kind so far. */
  public long total() {
    long n = 0;
    for (LongAdder a : byKind) {
      n += a.sum();
    }
    return n;
  }

  /**
   * {@code pipeseal_decrypt_failures_total{kind, where}}: every kind that occurred, per context
   * (the JVM's set), or per kind only (a child's).
   */
  public List<MetricSample> samples() {
    List<MetricSample> out = new ArrayList<>();
    for (DecryptFailureKind kind : KINDS) {
      if (byWhere == null) {
        long n = count(kind);
        if (n > 0) {
          out.add(sample(kind, null, n));
        }
        continue;
      }
      Map<String, LongAdder> m = byWhere.get(kind);
      if (m != null) {
        new TreeMap<>(m).forEach((where, n) -> out.add(sample(kind, where, n.sum())));
      }
    }
    return out;
  }

  private static MetricSample sample(DecryptFailureKind kind, String where, long n) {
    return new MetricSample(
        "pipeseal_decrypt_failures_total",
        where == null
            ? MetricSample.labels("kind", kind.label())
            : MetricSample.labels("kind", kind.label(), "where", where),
        n,
        true,
        "Values that could not be decrypted, by kind (raised or returned as null by try_"
            + " functions)",
        "decryptFailures." + kind.label() + (where == null ? "" : "." + where));
  }
}
