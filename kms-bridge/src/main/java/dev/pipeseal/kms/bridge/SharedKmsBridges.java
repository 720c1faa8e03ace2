package dev.pipeseal.kms.bridge;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.metrics.DataPathMetrics;
import dev.pipeseal.kms.metrics.KmsMetricsMBean;
import dev.pipeseal.kms.metrics.MetricSample;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The one registry of open {@link KmsBridge}s in a JVM, shared by every connector (Spark functions,
 * Parquet crypto factory, Kafka serdes, jobs), so one KMS configuration opens one bridge with one
 * DEK cache, one KEK cache and one provider connection per JVM, however many hosts ask for it.
 *
 * <p>Bridges are keyed by their parsed {@link KmsBridgeConfig}, not by raw properties: {@code
 * spark.pipeseal.kms.x}, {@code spark.hadoop.pipeseal.kms.x} and {@code pipeseal.kms.x} name the
 * same setting ({@link #normalize}), and defaults spelled out equal defaults left out.
 *
 * <p>Bridges are reference-counted. A host with a lifecycle (a Kafka serializer, a job) takes a
 * {@link Lease} with {@link #acquire} and closes it when done; the last lease closes the bridge. A
 * host without one (Spark executors, Parquet's {@code KmsClient}, which has no close) takes the
 * JVM's own reference with {@link #pinned}: that bridge stays open until {@link #closeAll()}, as a
 * cache that outlives one task must.
 *
 * <p>Other per-JVM state that belongs to one bridge (a key registry, a driver's DEK cache) hangs
 * off its entry as {@linkplain Lease#attachment attachments} and closes with it, so no connector
 * keeps a static map of its own.
 */
public final class SharedKmsBridges {
  /** Property prefixes that all mean {@value KmsBridgeConfig#PREFIX}, in precedence order. */
  private static final List<String> PREFIXES =
      List.of(
          KmsBridgeConfig.PREFIX,
          "spark." + KmsBridgeConfig.PREFIX,
          "spark.hadoop." + KmsBridgeConfig.PREFIX);

  // Guarded by the class lock; opening a bridge under it is rare (once per configuration).
  private static final Map<KmsBridgeConfig, Entry> OPEN = new HashMap<>();
  private static long openedTotal;

  private SharedKmsBridges() {}

  private static final class Entry {
    final KmsBridgeConfig config;
    final KmsBridge bridge;
    // Guarded by the class lock.
    final Map<String, AutoCloseable> attachments = new LinkedHashMap<>();
    final long id;
    ObjectName mbean;
    int leases;
    boolean pinned;
    boolean closed;

    Entry(KmsBridgeConfig config, KmsBridge bridge, long id) {
      this.config = config;
      this.bridge = bridge;
      this.id = id;
    }

    List<MetricSample> samples() {
      List<MetricSample> out = new ArrayList<>();
      for (MetricSample s :
          MetricSample.ofBridge(bridge.providerId(), bridge.metrics(), bridge.providerMetrics())) {
        Map<String, String> labels = new LinkedHashMap<>(s.labels());
        labels.put("bridge", Long.toString(id));
        out.add(
            new MetricSample(s.name(), labels, s.value(), s.counter(), s.help(), s.attribute()));
      }
      return out;
    }
  }

  /**
   * Every Pipeseal counter of this JVM, for exporters (the CLI's metrics file, the Spark plugin):
   * those of every open bridge (label {@code bridge} tells bridges apart), then the data path's
   * ({@link DataPathMetrics}: values encrypted, decrypt failures by kind). Each bridge is also a
   * JMX MBean {@code dev.pipeseal:type=KmsBridge,provider=ID,bridge=N} while it is open; the data
   * path is the MBean {@value DataPathMetrics#MBEAN_NAME}.
   */
  public static List<MetricSample> samples() {
    List<Entry> open;
    synchronized (SharedKmsBridges.class) {
      open = new ArrayList<>(OPEN.values());
    }
    List<MetricSample> out = new ArrayList<>();
    open.forEach(e -> out.addAll(e.samples()));
    out.addAll(DataPathMetrics.samples());
    return out;
  }

  // Monitoring is best effort: a JVM without a usable platform MBean server still encrypts.
  private static void register(Entry e) {
    try {
      ObjectName name =
          new ObjectName(
              KmsMetricsMBean.DOMAIN
                  + ":type=KmsBridge,provider="
                  + ObjectName.quote(e.bridge.providerId())
                  + ",bridge="
                  + e.id);
      ManagementFactory.getPlatformMBeanServer()
          .registerMBean(new KmsMetricsMBean(e::samples), name);
      e.mbean = name;
    } catch (JMException | RuntimeException ex) {
      e.mbean = null;
    }
  }

  private static void unregister(Entry e) {
    if (e.mbean != null) {
      try {
        ManagementFactory.getPlatformMBeanServer().unregisterMBean(e.mbean);
      } catch (JMException | RuntimeException ex) {
        // Already gone.
      }
    }
  }

  /**
   * The {@code pipeseal.kms.*} settings in {@code properties}, whichever of the accepted prefixes
   * ({@code pipeseal.kms.}, {@code spark.pipeseal.kms.}, {@code spark.hadoop.pipeseal.kms.}) they
   * were given under, renamed to {@code pipeseal.kms.*}. Other properties are dropped.
   *
   * <p>A setting given under several prefixes takes the value of the first in {@link #PREFIXES}
   * order.
   */
  public static Map<String, String> normalize(Map<String, String> properties) {
    Map<String, String> out = new TreeMap<>();
    Map<String, Integer> rank = new HashMap<>();
    properties.forEach(
        (name, value) -> {
          String prefix = prefixOf(name);
          if (prefix == null || value == null) {
            return;
          }
          String key = KmsBridgeConfig.PREFIX + name.substring(prefix.length());
          // The plain name wins over the Spark-derived ones: a per-read option or the Hadoop
          // conf's pipeseal.kms.x overrides the session-wide spark.pipeseal.kms.x, as Spark's own
          // data source options override session settings.
          int r = PREFIXES.size() - PREFIXES.indexOf(prefix);
          Integer before = rank.get(key);
          if (before == null || r > before) {
            rank.put(key, r);
            out.put(key, value.trim());
          }
        });
    return out;
  }

  // Longest first: spark.hadoop.pipeseal.kms.x must not count as spark.pipeseal.kms.x's sibling.
  private static String prefixOf(String name) {
    for (int i = PREFIXES.size() - 1; i >= 0; i--) {
      if (name.startsWith(PREFIXES.get(i))) {
        return PREFIXES.get(i);
      }
    }
    return null;
  }

  /**
   * A lease on the bridge for {@code properties} (any of the prefixes {@link #normalize} accepts),
   * opening it if no other host in this JVM has. Close the lease when done; the last one closes the
   * bridge unless it is {@linkplain #pinned pinned}.
   *
   * @throws KmsConfigException if the settings are invalid or the provider cannot be opened
   */
  public static Lease acquire(Map<String, String> properties) {
    KmsBridgeConfig config = KmsBridgeConfig.fromProperties(normalize(properties));
    synchronized (SharedKmsBridges.class) {
      Entry e = entry(config);
      e.leases++;
      return new Lease(e, true);
    }
  }

  /**
   * The JVM's own reference to the bridge for {@code properties}: open until {@link #closeAll()}.
   * For hosts that have no close hook; the returned lease's {@code close()} does nothing.
   */
  public static Lease pinned(Map<String, String> properties) {
    KmsBridgeConfig config = KmsBridgeConfig.fromProperties(normalize(properties));
    synchronized (SharedKmsBridges.class) {
      Entry e = entry(config);
      e.pinned = true;
      return new Lease(e, false);
    }
  }

  // Under the class lock.
  private static Entry entry(KmsBridgeConfig config) {
    Entry e = OPEN.get(config);
    if (e == null) {
      KmsBridge bridge = KmsBridge.open(config);
      openedTotal++;
      e = new Entry(config, bridge, openedTotal);
      OPEN.put(config, e);
      register(e);
    }
    return e;
  }

  /** Bridges open now in this JVM. */
  public static synchronized int openCount() {
    return OPEN.size();
  }

  /** Bridges opened in this JVM since it started (a reopened configuration counts again). */
  public static synchronized long openedTotal() {
    return openedTotal;
  }

  /**
   * Closes every shared bridge and its attachments, pinned or leased (tests, jobs that roll keys
   * between runs, hosts unloading the plugin). Outstanding leases become unusable; a later {@link
   * #acquire} or {@link #pinned} opens a fresh bridge.
   */
  public static void closeAll() {
    List<Entry> open;
    synchronized (SharedKmsBridges.class) {
      open = new ArrayList<>(OPEN.values());
      OPEN.clear();
      open.forEach(e -> e.closed = true);
    }
    RuntimeException failure = null;
    for (Entry e : open) {
      try {
        shut(e);
      } catch (RuntimeException ex) {
        failure = failure == null ? ex : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  // Outside the lock: the entry is unmapped, so nobody can lease it again.
  private static void shut(Entry e) {
    List<AutoCloseable> attached;
    synchronized (SharedKmsBridges.class) {
      attached = new ArrayList<>(e.attachments.values());
      e.attachments.clear();
    }
    RuntimeException failure = null;
    for (int i = attached.size() - 1; i >= 0; i--) {
      try {
        attached.get(i).close();
      } catch (Exception ex) {
        // Keep going: the bridge below still holds keys that must be destroyed.
        failure =
            failure != null
                ? failure
                : ex instanceof RuntimeException re
                    ? re
                    : new IllegalStateException(
                        "cannot close " + attached.get(i).getClass().getName(), ex);
      }
    }
    unregister(e);
    e.bridge.close();
    if (failure != null) {
      throw failure;
    }
  }

  /** One host's use of a shared bridge. */
  public static final class Lease implements AutoCloseable {
    private final Entry entry;
    private final boolean counted;
    private boolean released;

    private Lease(Entry entry, boolean counted) {
      this.entry = entry;
      this.counted = counted;
    }

    /** The shared bridge. Do not close it: close the lease. */
    public KmsBridge bridge() {
      return entry.bridge;
    }

    /** The parsed configuration the bridge was opened with (and is shared by). */
    public KmsBridgeConfig config() {
      return entry.config;
    }

    /**
     * The object named {@code name} that belongs with this bridge, made by {@code open} on first
     * use and closed (last made, first closed) just before the bridge closes. Names should carry
     * everything that tells two attachments apart, e.g. {@code registry:<location>}.
     *
     * @throws IllegalStateException if the bridge was closed by {@link #closeAll()}
     */
    public <T extends AutoCloseable> T attachment(
        String name, Class<T> type, Function<KmsBridge, ? extends T> open) {
      Objects.requireNonNull(name, "name");
      synchronized (SharedKmsBridges.class) {
        if (entry.closed) {
          throw new IllegalStateException("shared KMS bridge was closed");
        }
        AutoCloseable a = entry.attachments.get(name);
        if (a == null) {
          a = Objects.requireNonNull(open.apply(entry.bridge), "attachment");
          entry.attachments.put(name, a);
        }
        return type.cast(a);
      }
    }

    /** Releases this lease; the last one closes the bridge (unless pinned). Idempotent. */
    @Override
    public void close() {
      Entry toClose = null;
      synchronized (SharedKmsBridges.class) {
        if (!counted || released) {
          return;
        }
        released = true;
        if (--entry.leases == 0 && !entry.pinned && !entry.closed) {
          entry.closed = true;
          OPEN.remove(entry.config, entry);
          toClose = entry;
        }
      }
      if (toClose != null) {
        shut(toClose);
      }
    }
  }
}
