package dev.pipeseal.jobs;

import dev.pipeseal.jobs.inventory.CellSampler;
import dev.pipeseal.jobs.inventory.InventoryTask;
import dev.pipeseal.jobs.reencrypt.ReencryptTask;
import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.jobs.report.JobReport;
import dev.pipeseal.jobs.rotation.RotateTask;
import dev.pipeseal.jobs.run.FileRunner;
import dev.pipeseal.jobs.run.FileTask;
import dev.pipeseal.jobs.run.JobContext;
import dev.pipeseal.jobs.run.JobDriver;
import dev.pipeseal.jobs.run.JobOptions;
import dev.pipeseal.jobs.run.JobOptions.UsageException;
import dev.pipeseal.jobs.verify.VerifyTask;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.registry.rotation.RegistryRewrapper;
import dev.pipeseal.registry.rotation.RewrapReport;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.fs.Path;

/**
 * {@code pipeseal inventory|rotate|reencrypt|verify}: parses options, runs the job, prints a
 * summary (and progress on stderr), writes the JSON report, and maps the outcome to the exit code.
 */
public final class JobCommand {
  static final String USAGE =
      """
      usage: pipeseal inventory PATH [--registry LOC] [OPTIONS]
                                                        what every file is (no key needed), and
                                                        the keys sampled envelope cells reference
             pipeseal rotate [PATH] [--registry LOC [--key NAME]] [OPTIONS]
                                                        rewrap keys to current master-key versions
             pipeseal reencrypt PATH --conf pipeseal.parquet.columns.KEY=COLS ... [OPTIONS]
                                                        rewrite under new keys (and policy); also
                                                        encrypts plaintext files
             pipeseal verify PATH [--sample F] [OPTIONS] decrypt every column of every file
      options:
        --kms URI            KMS provider (or pipeseal.kms.uri in --config)
        --config FILE        properties: pipeseal.kms.*, pipeseal.parquet.*, parquet.*, Hadoop
        --conf KEY=VALUE     one property (repeatable; wins over --config)
        --dry-run            report what would change, change nothing
        --checkpoint DIR     resume state (default PATH/_pipeseal/checkpoint-COMMAND)
        --restart            discard an existing checkpoint
        --report FILE        write the JSON report (any Hadoop file system)
        --json               print the JSON report on stdout
        --engine spark|local parallel over files on Spark (default) or threads in this JVM
        --parallelism N      tasks at once (default: processors)
        --batch N            files per batch and checkpoint (default 1000)
        --kms-rate N         key operations per second, whole job (default unlimited)
        --sample F           verify: fraction of files to read (default 1)
        --quiet              no progress lines
      exit: 0 done, 2 partly done (the report lists what failed), 1 failed, 64 usage
      """;

  private JobCommand() {}

  public static int run(String command, List<String> args, PrintStream out, PrintStream err) {
    if (args.contains("--help") || args.contains("-h")) {
      out.print(USAGE);
      return 0;
    }
    JobOptions options;
    try {
      options = JobOptions.parse(command, args);
    } catch (UsageException e) {
      err.println("pipeseal " + command + ": " + e.getMessage());
      err.print(USAGE);
      return 64;
    }
    JobReport report;
    try {
      report = execute(options, options.quiet() ? s -> {} : err::println);
    } catch (FileNotFoundException e) {
      err.println("pipeseal " + command + ": no such path: " + e.getMessage());
      return 1;
    } catch (IOException | KmsException | RegistryException | IllegalArgumentException e) {
      err.println("pipeseal " + command + ": " + InventoryTask.describe(e));
      return 1;
    }
    print(report, out);
    int code = report.exitCode();
    String finished = Instant.now().toString();
    try {
      if (options.report() != null) {
        Path p = new Path(options.report());
        try (OutputStream o =
            p.getFileSystem(JobContext.hadoopConf(options.properties())).create(p, true)) {
          report.write(o, finished);
        }
      }
      if (options.json()) {
        out.println(report.toJson(finished));
      }
    } catch (IOException e) {
      err.println("pipeseal " + command + ": cannot write the report: " + e.getMessage());
      return code == 0 ? 2 : code;
    }
    return code;
  }

  /**
   * Runs the job {@code options} describe (files, then the registry) and returns its report; the
   * demo calls this directly.
   *
   * @throws FileNotFoundException if the lake path does not exist (nothing was changed)
   * @throws IOException if the lake cannot be listed or the checkpoint cannot be used
   */
  public static JobReport execute(JobOptions options, Consumer<String> progress)
      throws IOException {
    JobReport report =
        new JobReport(
            options.command(), options.path(), options.dryRun(), Instant.now().toString());
    if (options.path() != null) {
      try (FileRunner runner = FileRunner.forOptions(options)) {
        new JobDriver(options, runner, progress)
            .run(task(options), !options.command().equals("inventory"), report);
      }
    }
    if (options.command().equals("inventory")) {
      report.cellSampling(CellSampler.METHOD);
      if (options.registry() != null) {
        nameRegistryKeys(options, report);
      }
    } else if (options.registry() != null) {
      report.registry(rewrapRegistry(options, report));
    }
    return report;
  }

  private static FileTask task(JobOptions o) {
    return switch (o.command()) {
      case "inventory" -> new InventoryTask();
      case "rotate" -> new RotateTask(o.dryRun(), JobOptions.hasWritePolicy(o.properties()));
      case "reencrypt" -> new ReencryptTask(o.dryRun());
      case "verify" -> new VerifyTask(o.sample());
      default -> throw new IllegalArgumentException(o.command() + " is not implemented yet");
    };
  }

  private static RewrapReport rewrapRegistry(JobOptions o, JobReport report) {
    JobContext ctx = JobContext.of(o.properties(), o.kmsRate());
    try (KeyRegistry registry = KeyRegistries.open(o.registry(), o.kmsProperties())) {
      return new RegistryRewrapper(
              ctx.kms(), registry, o.keyFilter(), o.dryRun(), 100, report::problem)
          .run();
    }
  }

  /** Names the master key (and version) of every registry key id cells reference; no key used. */
  private static void nameRegistryKeys(JobOptions o, JobReport report) {
    try (KeyRegistry registry = KeyRegistries.open(o.registry(), o.kmsProperties())) {
      for (String k : report.cellKeys().keySet()) {
        if (k.startsWith("registry:")) {
          String id = k.substring("registry:".length());
          report.registryKey(
              id,
              registry
                  .read(KeyId.parse(id))
                  .map(r -> r.wrapped().masterKeyName() + "@" + r.wrapped().masterKeyVersion())
                  .orElse("not in the registry"));
        }
      }
    }
  }

  private static void print(JobReport r, PrintStream out) {
    for (FileOutcome f : r.files()) {
      if (f.status() == Status.FAILED) {
        out.println("FAILED " + f.path() + ": " + f.message());
      }
    }
    for (String p : r.problems()) {
      out.println("FAILED " + p);
    }
    StringBuilder sb = new StringBuilder("files:");
    for (Status s : Status.values()) {
      sb.append(' ')
          .append(s.name().toLowerCase(java.util.Locale.ROOT))
          .append('=')
          .append(r.count(s));
    }
    out.println(sb);
    if (!r.cellKeys().isEmpty()) {
      out.println("cell keys (files): " + r.cellKeys() + " (sampled: " + CellSampler.METHOD + ")");
      if (!r.registryKeys().isEmpty()) {
        out.println("registry ids: " + r.registryKeys());
      }
    }
    RewrapReport reg = r.registry();
    if (reg != null) {
      out.println(
          "registry: scanned="
              + reg.scanned()
              + " current="
              + reg.current()
              + " stale="
              + reg.stale()
              + " rewrapped="
              + reg.rewrapped()
              + " failed="
              + reg.failed());
    }
  }
}
