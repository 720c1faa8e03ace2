package dev.pipeseal.jobs.run;

import dev.pipeseal.jobs.cli.SharedOptions;
import java.util.Map;

/**
 * What one lake job runs with, as the job commands ({@code dev.pipeseal.jobs.JobCommand}) parse and
 * check it; every default lives in their option declarations.
 *
 * @param command {@code inventory}, {@code rotate}, {@code reencrypt} or {@code verify}
 * @param path lake root or one file; null only for {@code rotate --registry} alone
 * @param registry key registry location: rewrapped by {@code rotate}, read by {@code inventory} to
 *     name the master keys of registry ids that cells reference; or null
 * @param keyFilter only this master key in the registry, or null
 * @param dryRun report what would change, change nothing
 * @param checkpoint checkpoint directory
 * @param restart discard an existing checkpoint first
 * @param report JSON report file (any Hadoop file system), or null
 * @param json print the JSON report on standard output
 * @param engine {@code spark} or {@code local} (a thread pool in this JVM)
 * @param parallelism tasks per batch (local threads, or Spark partitions)
 * @param filesInFlight files each task works on at once; 0 lets the command choose ({@link
 *     FileTask#filesInFlight()})
 * @param batchSize files per batch: the unit of progress lines and checkpoints
 * @param kmsRate key operations per second for the whole job (Spark: split over the tasks that run
 *     at once); 0 is unlimited
 * @param sample fraction of files {@code verify} reads, in (0, 1]
 * @param quiet no progress lines
 * @param breakLease take the lake's lease over even from a live holder ({@code --break-lease})
 * @param properties {@code pipeseal.kms.*}, {@code pipeseal.parquet.*}, {@code parquet.*} and
 *     Hadoop settings from {@code --config}, {@code --conf} and {@code --kms}
 */
public record JobOptions(
    String command,
    String path,
    String registry,
    String keyFilter,
    boolean dryRun,
    String checkpoint,
    boolean restart,
    String report,
    boolean json,
    String engine,
    int parallelism,
    int filesInFlight,
    int batchSize,
    double kmsRate,
    double sample,
    boolean quiet,
    boolean breakLease,
    Map<String, String> properties) {
  public static final String FACTORY = "dev.pipeseal.parquet.crypto.PipesealCryptoFactory";

  /**
   * Property holding the provider URI of {@code rotate --to} (a migration between providers); set
   * by the CLI together with the migration's KMS settings, absent otherwise.
   */
  public static final String MIGRATION_TARGET = "pipeseal.migration.to";

  /** Commands that change a lake's files or key material, and so take its lease. */
  public static final java.util.Set<String> CHANGES_LAKE = java.util.Set.of("rotate", "reencrypt");

  public JobOptions {
    properties = Map.copyOf(properties);
  }

  /** A policy that encrypts: the rewrite of {@code rotate} and {@code reencrypt} needs one. */
  public static boolean hasWritePolicy(Map<String, String> props) {
    return props.keySet().stream()
        .anyMatch(
            k ->
                k.startsWith("pipeseal.parquet.columns.")
                    || k.equals("pipeseal.parquet.footer.key")
                    || k.equals("pipeseal.parquet.policy.file"));
  }

  /** Beside the data, in a directory readers ignore ({@code _} prefix). */
  public static String defaultCheckpoint(String path, String command) {
    String base = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return base + "/_pipeseal/checkpoint-" + command;
  }

  /** Whether this run takes the lake's lease: it may change files or key material there. */
  public boolean takesLease() {
    return !dryRun && path != null && CHANGES_LAKE.contains(command);
  }

  /** The bridge settings only ({@code pipeseal.kms.*}), as the KMS bridge wants them. */
  public Map<String, String> kmsProperties() {
    return SharedOptions.kmsProperties(properties);
  }

  /** The key registry's options ({@code pipeseal.registry.*}), as the registry wants them. */
  public Map<String, String> registryProperties() {
    return SharedOptions.registryProperties(properties);
  }
}
