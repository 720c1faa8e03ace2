package dev.pipeseal.kms.metrics;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The JVM's data-path counters, beside the KMS bridges' own: values encrypted per master key and
 * values that failed to decrypt ({@link DecryptFailures#jvm()}).
 *
 * <p>Encryptions are never counted per value here: writers already count their values for their
 * data key's limits, so they report those counts, either when a data key retires or a task ends
 * ({@link #addEncrypted}) or, for a long-lived writer, as a live source read only when a snapshot
 * is taken ({@link #trackEncrypted}).
 */
public final class DataPathMetrics {
  /** The JMX name of these counters. */
  public static final String MBEAN_NAME = KmsMetricsMBean.DOMAIN + ":type=DataPath";

  private static final Map<String, LongAdder> ENCRYPTED_DONE = new ConcurrentHashMap<>();
  private static final Set<Tracked> LIVE = ConcurrentHashMap.newKeySet();

  static {
    register();
  }

  private DataPathMetrics() {}

  // Once per JVM (per class loader), best effort like the bridges' MBeans: a second class loader
  // with its own copy (two Connect plugins) finds the name taken, and the first copy's counters
  // are the ones on JMX.
  private static void register() {
    try {
      ManagementFactory.getPlatformMBeanServer()
          .registerMBean(
              new KmsMetricsMBean(DataPathMetrics::samples, "Pipeseal data path counters"),
              new ObjectName(MBEAN_NAME));
    } catch (JMException | RuntimeException ex) {
      // Not on JMX; the other exporters read samples() directly.
    }
  }

  /**
   * Makes sure the counters are on JMX ({@value #MBEAN_NAME}); bridges and readers call it when
   * they open.
   */
  public static void exportOnce() {
    // The class initializer did the work.
  }

  /** A live writer's count, until closed: then its last value is kept. */
  public static final class Tracked implements AutoCloseable {
    private final String masterKey;
    private final LongSupplier count;
    private boolean closed;

    private Tracked(String masterKey, LongSupplier count) {
      this.masterKey = masterKey;
      this.count = count;
    }

    /** Keeps the writer's final count and stops reading it. Idempotent. */
    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        // Add before removing: a snapshot in between double counts for an instant rather than
        // letting a counter go down.
        addEncrypted(masterKey, count.getAsLong());
        LIVE.remove(this);
      }
    }
  }

  /** Adds {@code values} sealed under DEKs of {@code masterKey} (a finished task or DEK). */
  public static void addEncrypted(String masterKey, long values) {
    if (values > 0) {
      ENCRYPTED_DONE
          .computeIfAbsent(Objects.requireNonNull(masterKey, "masterKey"), k -> new LongAdder())
          .add(values);
    }
  }

  /**
   * Reads {@code count} (values sealed so far by one writer under {@code masterKey}) at every
   * snapshot until the returned handle is closed.
   */
  public static Tracked trackEncrypted(String masterKey, LongSupplier count) {
    Tracked t =
        new Tracked(
            Objects.requireNonNull(masterKey, "masterKey"), Objects.requireNonNull(count, "count"));
    LIVE.add(t);
    return t;
  }

  /** Values encrypted under {@code masterKey} in this JVM so far. */
  public static long encrypted(String masterKey) {
    return encryptedByKey().getOrDefault(masterKey, 0L);
  }

  private static Map<String, Long> encryptedByKey() {
    Map<String, Long> out = new TreeMap<>();
    ENCRYPTED_DONE.forEach((k, n) -> out.merge(k, n.sum(), Long::sum));
    for (Tracked t : LIVE) {
      synchronized (t) {
        if (!t.closed) {
          out.merge(t.masterKey, t.count.getAsLong(), Long::sum);
        }
      }
    }
    return out;
  }

  /**
   * {@code pipeseal_values_encrypted_total{key}} and {@code pipeseal_decrypt_failures_total{kind,
   * where}} of this JVM.
   */
  public static List<MetricSample> samples() {
    List<MetricSample> out = new ArrayList<>();
    encryptedByKey()
        .forEach(
            (key, n) ->
                out.add(
                    new MetricSample(
                        "pipeseal_values_encrypted_total",
                        MetricSample.labels("key", key),
                        n,
                        true,
                        "Values (cells, records, fields) encrypted under data keys of this master"
                            + " key",
                        "valuesEncrypted." + key)));
    out.addAll(DecryptFailures.jvm().samples());
    return out;
  }
}
