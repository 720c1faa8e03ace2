package dev.pipeseal.jobs.run;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A parsed job command line; {@link #parse} is the only parser, and every default lives there.
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
 * @param batchSize files per batch: the unit of progress lines and checkpoints
 * @param kmsRate key operations per second for the whole job (Spark: split over the tasks that run
 *     at once); 0 is unlimited
 * @param sample fraction of files {@code verify} reads, in (0, 1]
 * @param quiet no progress lines
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
    int batchSize,
    double kmsRate,
    double sample,
    boolean quiet,
    Map<String, String> properties) {
  public static final List<String> COMMANDS = List.of("inventory", "rotate", "reencrypt", "verify");
  static final int DEFAULT_BATCH = 1000;
  static final String FACTORY = "dev.pipeseal.parquet.crypto.PipesealCryptoFactory";

  public JobOptions {
    properties = Map.copyOf(properties);
  }

  /** Invalid command lines and option values. */
  public static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
      super(message);
    }
  }

  public static JobOptions parse(String command, List<String> args) throws UsageException {
    if (!COMMANDS.contains(command)) {
      throw new UsageException("unknown job '" + command + "'");
    }
    List<String> operands = new ArrayList<>();
    Map<String, String> props = new LinkedHashMap<>();
    Map<String, String> overrides = new LinkedHashMap<>();
    String registry = null;
    String key = null;
    String checkpoint = null;
    String report = null;
    String engine = "spark";
    boolean dryRun = false;
    boolean restart = false;
    boolean json = false;
    boolean quiet = false;
    int parallelism = Math.max(1, Runtime.getRuntime().availableProcessors());
    int batch = DEFAULT_BATCH;
    double rate = 0;
    double sample = 1;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--dry-run" -> dryRun = true;
        case "--restart" -> restart = true;
        case "--json" -> json = true;
        case "--quiet" -> quiet = true;
        case "--kms" -> overrides.put("pipeseal.kms.uri", value(args, ++i, a));
        case "--config" -> props.putAll(load(value(args, ++i, a)));
        case "--conf" -> {
          String kv = value(args, ++i, a);
          int eq = kv.indexOf('=');
          if (eq <= 0) {
            throw new UsageException("--conf needs KEY=VALUE, got '" + kv + "'");
          }
          overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        case "--registry" -> registry = value(args, ++i, a);
        case "--key" -> key = value(args, ++i, a);
        case "--checkpoint" -> checkpoint = value(args, ++i, a);
        case "--report" -> report = value(args, ++i, a);
        case "--engine" -> engine = value(args, ++i, a);
        case "--parallelism" -> parallelism = intValue(a, value(args, ++i, a), 1, 100_000);
        case "--batch" -> batch = intValue(a, value(args, ++i, a), 1, 1_000_000);
        case "--kms-rate" -> rate = doubleValue(a, value(args, ++i, a), 0, 1e9);
        case "--sample" -> sample = doubleValue(a, value(args, ++i, a), 0, 1);
        default -> {
          if (a.startsWith("--")) {
            throw new UsageException("unknown option " + a);
          }
          operands.add(a);
        }
      }
    }
    props.putAll(overrides);
    if (operands.size() > 1) {
      throw new UsageException("one PATH only, got " + operands);
    }
    String path = operands.isEmpty() ? null : operands.get(0);
    if (path == null && !(command.equals("rotate") && registry != null)) {
      throw new UsageException(command + " needs a PATH");
    }
    if (registry != null && !command.equals("rotate") && !command.equals("inventory")) {
      throw new UsageException("--registry applies to rotate and inventory only");
    }
    if (key != null && !command.equals("rotate")) {
      throw new UsageException("--key applies to rotate only");
    }
    if (key != null && registry == null) {
      throw new UsageException("--key needs --registry");
    }
    if (!engine.equals("spark") && !engine.equals("local")) {
      throw new UsageException("--engine is spark or local, got '" + engine + "'");
    }
    if (sample <= 0) {
      throw new UsageException("--sample must be in (0, 1]");
    }
    if (!command.equals("inventory") && !props.containsKey("pipeseal.kms.uri")) {
      throw new UsageException(command + " needs a KMS: --kms URI or pipeseal.kms.uri in --config");
    }
    props.putIfAbsent("parquet.crypto.factory.class", FACTORY);
    if (command.equals("reencrypt")) {
      if (!hasWritePolicy(props)) {
        throw new UsageException(
            "reencrypt needs the target policy: pipeseal.parquet.columns.KEY=... and/or"
                + " pipeseal.parquet.footer.key=KEY (--conf or --config)");
      }
    }
    if (checkpoint == null && path != null) {
      checkpoint = defaultCheckpoint(path, command);
    }
    return new JobOptions(
        command,
        path,
        registry,
        key,
        dryRun,
        checkpoint,
        restart,
        report,
        json,
        engine,
        parallelism,
        batch,
        rate,
        sample,
        quiet,
        props);
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
  static String defaultCheckpoint(String path, String command) {
    String base = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return base + "/_pipeseal/checkpoint-" + command;
  }

  /** The bridge settings only ({@code pipeseal.kms.*}), as the KMS bridge wants them. */
  public Map<String, String> kmsProperties() {
    Map<String, String> m = new LinkedHashMap<>();
    properties.forEach(
        (k, v) -> {
          if (k.startsWith("pipeseal.kms.")) {
            m.put(k, v);
          }
        });
    return m;
  }

  private static String value(List<String> args, int i, String option) throws UsageException {
    if (i >= args.size()) {
      throw new UsageException(option + " needs a value");
    }
    return args.get(i);
  }

  private static int intValue(String option, String v, int min, int max) throws UsageException {
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be " + min + ".." + max + ", got '" + v + "'");
    }
  }

  private static double doubleValue(String option, String v, double min, double max)
      throws UsageException {
    try {
      double d = Double.parseDouble(v);
      if (!(d >= min && d <= max)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be " + min + ".." + max + ", got '" + v + "'");
    }
  }

  private static Map<String, String> load(String file) throws UsageException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(file))) {
      p.load(r);
    } catch (IOException e) {
      throw new UsageException("cannot read --config " + file + ": " + e.getMessage());
    }
    Map<String, String> m = new LinkedHashMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
    return m;
  }
}
