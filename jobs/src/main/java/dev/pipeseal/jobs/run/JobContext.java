package dev.pipeseal.jobs.run;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.registry.HadoopAtomicFiles;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.apache.hadoop.conf.Configuration;

/**
 * What tasks need: the Hadoop configuration (with the Parquet crypto settings), the JVM's shared
 * KMS bridge ({@link SharedKmsBridges}, the same one the Parquet crypto factory and Spark functions
 * use for these settings) behind a throttle, and the current version of each master key. The local
 * engine makes one per run (one throttle at the job's whole rate); Spark tasks each get their own
 * ({@link #forTask}) with their share of the rate.
 */
public final class JobContext {

  private final Map<String, String> properties;
  private final double kmsRate;
  private final Map<String, String> currentVersions = new ConcurrentHashMap<>();
  private final Map<Class<?>, Object> memos = new ConcurrentHashMap<>();
  private final HadoopAtomicFiles.DirectoryForces renamed = new HadoopAtomicFiles.DirectoryForces();
  private volatile Kms kms;
  private volatile Configuration shared;

  private JobContext(Map<String, String> properties, double kmsRate) {
    this.properties = properties;
    this.kmsRate = kmsRate;
  }

  /**
   * A context for one run with these settings: a throttle at the whole {@code kmsRate}, current key
   * versions asked afresh. The bridge behind it is the JVM's shared one.
   */
  public static JobContext of(Map<String, String> properties, double kmsRate) {
    return new JobContext(properties, kmsRate);
  }

  /**
   * A context of its own for one Spark task: the JVM's shared bridge behind a throttle of {@code
   * kmsRate} for this task alone (its share of the job's budget). Not cached.
   */
  public static JobContext forTask(Map<String, String> properties, double kmsRate) {
    return new JobContext(properties, kmsRate);
  }

  /** A fresh Hadoop configuration holding the job's properties, for a caller that changes it. */
  public Configuration conf() {
    return new Configuration(sharedConf());
  }

  /**
   * One Hadoop configuration for this context, for callers that only read it (file system lookups,
   * small reads and writes): a new {@link Configuration} parses Hadoop's default resources again on
   * first use, which cost more than rotating a key material file. Never change it.
   */
  public Configuration sharedConf() {
    Configuration c = shared;
    if (c == null) {
      c = hadoopConf(properties);
      c.size(); // parses the resources once, here, rather than lazily under concurrent readers
      shared = c;
    }
    return c;
  }

  /**
   * State that tasks keep for the lifetime of this context (a batch on the local engine, a Spark
   * task), one per {@code owner}: created by {@code init} on first use. It must be thread-safe:
   * files of one context run concurrently.
   */
  @SuppressWarnings("unchecked")
  public <T> T memo(Class<?> owner, java.util.function.Supplier<T> init) {
    return (T) memos.computeIfAbsent(owner, o -> init.get());
  }

  /**
   * Where tasks whose swaps are independent of each other (one file each, either version readable)
   * leave their directory forces ({@link HadoopAtomicFiles#swap(org.apache.hadoop.fs.Path,
   * org.apache.hadoop.fs.Path, Configuration, HadoopAtomicFiles.DirectoryForces)}): the runner
   * forces them in {@link #forceRenamed} once the context's files are finished, before their
   * outcomes reach the checkpoint.
   */
  public HadoopAtomicFiles.DirectoryForces renamed() {
    return renamed;
  }

  /**
   * Forces the directories of every swap the context's files made, each directory once; runners
   * call it after the last file of a batch (or Spark task) finished and before they return the
   * outcomes, so a batch reaches the checkpoint only once its renames are durable.
   *
   * @param last the batch's last file, for fault injection
   * @param pool threads to force several directories at once, or null
   */
  public void forceRenamed(String last, ExecutorService pool) {
    FaultInjection.at(FaultInjection.BEFORE_DIRECTORY_FORCE, last);
    renamed.force(pool);
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
          // Pinned: executors run many tasks, and the bridge's caches must outlive each one.
          kms = new ThrottledKms(SharedKmsBridges.pinned(bridge).bridge(), new Throttle(kmsRate));
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
