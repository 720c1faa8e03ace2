package dev.pipeseal.jobs.run;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.parquet.kms.SharedBridges;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;

/**
 * What tasks need: the Hadoop configuration (with the Parquet crypto settings), the shared KMS
 * bridge behind a throttle, and the current version of each master key. The local engine shares one
 * per JVM and settings (one throttle at the job's whole rate); Spark tasks each get their own
 * ({@link #forTask}) with their share of the rate.
 */
public final class JobContext {
  private static final Map<Map<String, String>, JobContext> CONTEXTS = new ConcurrentHashMap<>();

  private final Map<String, String> properties;
  private final double kmsRate;
  private final Map<String, String> currentVersions = new ConcurrentHashMap<>();
  private volatile Kms kms;

  private JobContext(Map<String, String> properties, double kmsRate) {
    this.properties = properties;
    this.kmsRate = kmsRate;
  }

  /** The context for these settings in this JVM ({@code kmsRate} is part of the settings). */
  public static JobContext of(Map<String, String> properties, double kmsRate) {
    Map<String, String> key = new HashMap<>(properties);
    key.put("pipeseal.jobs.kms-rate", Double.toString(kmsRate));
    return CONTEXTS.computeIfAbsent(Map.copyOf(key), k -> new JobContext(properties, kmsRate));
  }

  /**
   * A context of its own for one Spark task: the JVM's shared bridge behind a throttle of {@code
   * kmsRate} for this task alone (its share of the job's budget). Not cached.
   */
  public static JobContext forTask(Map<String, String> properties, double kmsRate) {
    return new JobContext(properties, kmsRate);
  }

  /** Forgets cached contexts (tests, and jobs that roll keys between runs in one JVM). */
  public static void reset() {
    CONTEXTS.clear();
  }

  /** A fresh Hadoop configuration holding the job's properties. */
  public Configuration conf() {
    return hadoopConf(properties);
  }

  public static Configuration hadoopConf(Map<String, String> properties) {
    Configuration c = new Configuration();
    properties.forEach(c::set);
    return c;
  }

  public Map<String, String> properties() {
    return properties;
  }

  /** The shared bridge for the job's {@code pipeseal.kms.*} settings, throttled. */
  public Kms kms() {
    Kms k = kms;
    if (k == null) {
      synchronized (this) {
        if (kms == null) {
          Map<String, String> bridge = new HashMap<>();
          properties.forEach(
              (n, v) -> {
                if (n.startsWith("pipeseal.kms.")) {
                  bridge.put(n, v);
                }
              });
          kms = new ThrottledKms(SharedBridges.forProperties(bridge), new Throttle(kmsRate));
        }
        k = kms;
      }
    }
    return k;
  }

  /**
   * The current version of {@code masterKey}, asked once per job and JVM: a key rolled during a run
   * is picked up by the next run.
   */
  public String currentVersion(String masterKey) {
    return currentVersions.computeIfAbsent(
        masterKey, n -> KmsCalls.await(kms().describe(n)).currentVersion());
  }
}
