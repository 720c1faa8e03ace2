package dev.pipeseal.jobs;

import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.jobs.cli.MetricsFile;
import dev.pipeseal.jobs.cli.SharedOptions;
import dev.pipeseal.jobs.inventory.CellSampler;
import dev.pipeseal.jobs.inventory.InventoryTask;
import dev.pipeseal.jobs.lease.LakeLease;
import dev.pipeseal.jobs.lease.LeaseConflictException;
import dev.pipeseal.jobs.migration.MigrateTask;
import dev.pipeseal.jobs.migration.MigrationTarget;
import dev.pipeseal.jobs.reencrypt.ReencryptTask;
import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.jobs.report.JobMetrics;
import dev.pipeseal.jobs.report.JobReport;
import dev.pipeseal.jobs.rotation.RotateTask;
import dev.pipeseal.jobs.run.FileRunner;
import dev.pipeseal.jobs.run.FileTask;
import dev.pipeseal.jobs.run.JobContext;
import dev.pipeseal.jobs.run.JobDriver;
import dev.pipeseal.jobs.run.JobOptions;
import dev.pipeseal.jobs.verify.VerifyTask;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.audit.AuditLog;
import dev.pipeseal.kms.audit.Slf4jAuditSink;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.parquet.policy.EncryptionPolicy;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.registry.rotation.RegistryMigrator;
import dev.pipeseal.registry.rotation.RegistryRewrapper;
import dev.pipeseal.registry.rotation.RewrapReport;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pipeseal inventory|rotate|reencrypt|verify}: the options the lake jobs share, then running
 * the job, printing a summary (and progress on stderr), writing the JSON report, and mapping the
 * outcome to the exit code. Each job is a subclass with its own operand and options.
 */
public abstract class JobCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin(name = SharedOptions.NAME)
  SharedOptions shared;

  @Option(names = "--dry-run", description = "Report what would change, change nothing")
  boolean dryRun;

  @Option(
      names = "--checkpoint",
      paramLabel = "DIR",
      description = "Resume state (default PATH/_pipeseal/checkpoint-COMMAND)")
  String checkpoint;

  @Option(names = "--restart", description = "Discard an existing checkpoint")
  boolean restart;

  @Option(
      names = "--report",
      paramLabel = "FILE",
      description = "Write the JSON report there (any Hadoop file system)")
  String report;

  @Option(
      names = "--engine",
      paramLabel = "ENGINE",
      defaultValue = "spark",
      completionCandidates = Engines.class,
      description = "spark (parallel over files on Spark) or local (threads in this JVM)")
  String engine;

  @Option(
      names = "--parallelism",
      paramLabel = "N",
      description = "Tasks at once (default: processors)")
  Integer parallelism;

  @Option(
      names = "--files-in-flight",
      paramLabel = "N",
      description =
          "Files each task works on at once; more overlap storage waits (default: 16 for"
              + " rotate, whose per-file work is a small fsynced rewrite; 1 otherwise)")
  Integer filesInFlight;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Files per batch and checkpoint (default ${DEFAULT-VALUE})")
  int batch;

  @Option(
      names = "--kms-rate",
      paramLabel = "N",
      defaultValue = "0",
      description = "Key operations per second, whole job (default unlimited)")
  double kmsRate;

  @Option(names = "--quiet", description = "No progress lines")
  boolean quiet;

  @Mixin MetricsFile metricsFile;

  /** The lake root or one file; null only where the job allows it. */
  abstract String path();

  /** {@code --break-lease}, on the jobs that change a lake. */
  boolean breakLease() {
    return false;
  }

  /** {@code --registry}, on the jobs that take it. */
  String registry() {
    return null;
  }

  /** {@code --key}, on the job that takes it. */
  String keyFilter() {
    return null;
  }

  /** {@code --sample}, on the job that takes it. */
  double sample() {
    return 1;
  }

  /** Whether this job needs a KMS even without encrypted files to read. */
  boolean needsKms() {
    return true;
  }

  /** Checks this job's own operands and properties; throws a usage error. */
  void check(Map<String, String> props) {}

  /** This job's settings from those given (e.g. a migration's); the identity by default. */
  Map<String, String> adjust(Map<String, String> props) {
    return props;
  }

  /** The name of the default checkpoint directory ({@code PATH/_pipeseal/checkpoint-NAME}). */
  String checkpointName() {
    return spec.name();
  }

  @Override
  public Integer call() {
    JobOptions options = options();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (MetricsFile metrics = metricsFile.start(options.command(), err)) {
      return run(options, out, err, metrics);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /**
   * The job settings this command line describes.
   *
   * @throws ParameterException on an invalid combination or value (a usage error)
   */
  JobOptions options() {
    Map<String, String> props = shared.properties(spec);
    String command = spec.name();
    String path = path();
    range("--parallelism", parallelism == null ? 1 : parallelism, 1, 100_000);
    range("--files-in-flight", filesInFlight == null ? 1 : filesInFlight, 1, 1024);
    range("--batch", batch, 1, 1_000_000);
    range("--kms-rate", kmsRate, 0, 1e9);
    if (!engine.equals("spark") && !engine.equals("local")) {
      throw usage("--engine is spark or local, got '" + engine + "'");
    }
    if (needsKms() && !props.containsKey(SharedOptions.KMS_URI)) {
      throw usage(
          command + " needs a KMS: --kms URI, or " + SharedOptions.KMS_URI + " in --conf/--config");
    }
    props.putIfAbsent("parquet.crypto.factory.class", JobOptions.FACTORY);
    if (registry() != null) {
      // Tasks count cells of shredded subjects through it.
      props.putIfAbsent(SharedOptions.REGISTRY_LOCATION, registry());
    }
    check(props);
    props = adjust(props);
    return new JobOptions(
        command,
        path,
        registry(),
        keyFilter(),
        dryRun,
        checkpoint != null || path == null
            ? checkpoint
            : JobOptions.defaultCheckpoint(path, checkpointName()),
        restart,
        report,
        shared.json(spec),
        engine,
        parallelism != null ? parallelism : Math.max(1, Runtime.getRuntime().availableProcessors()),
        filesInFlight != null ? filesInFlight : 0,
        batch,
        kmsRate,
        sample(),
        quiet,
        breakLease(),
        props);
  }

  /**
   * Parses a job command line exactly as {@code pipeseal COMMAND ARGS} would (the demo runs its
   * jobs through this), without running it.
   *
   * @throws ParameterException on a usage error
   */
  public static JobOptions options(String command, List<String> args) {
    JobCommand job =
        switch (command) {
          case "inventory" -> new Inventory();
          case "rotate" -> new Rotate();
          case "reencrypt" -> new Reencrypt();
          case "verify" -> new Verify();
          default -> throw new IllegalArgumentException("no job '" + command + "'");
        };
    new CommandLine(job).parseArgs(args.toArray(String[]::new));
    return job.options();
  }

  ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private void range(String option, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw usage(
          option
              + " must be "
              + format(min)
              + ".."
              + format(max)
              + ", got '"
              + format(value)
              + "'");
    }
  }

  private static String format(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  /** Shell completion candidates of {@code --engine}. */
  static final class Engines extends ArrayList<String> {
    private static final long serialVersionUID = 1L;

    Engines() {
      super(List.of("spark", "local"));
    }
  }

  @Command(
      name = "inventory",
      description = {
        "What every file of a lake is (no key needed), and the keys sampled envelope cells"
            + " reference; with KMS settings also inside encrypted footers."
      })
  static final class Inventory extends JobCommand {
    @Parameters(paramLabel = "PATH", description = "Lake root or one file")
    String path;

    @Option(
        names = "--registry",
        paramLabel = "LOC",
        description = "Key registry: name the master key of every registry id cells reference")
    String registry;

    @Override
    String path() {
      return path;
    }

    @Override
    String registry() {
      return registry;
    }

    @Override
    boolean needsKms() {
      return false;
    }
  }

  @Command(
      name = "rotate",
      description = {
        "Rewrap keys (Parquet key material, and the key registry with --registry) to the current"
            + " master-key versions; data files are not rewritten. With --to URI, move every key"
            + " to that provider instead (migration)."
      })
  static final class Rotate extends JobCommand {
    @Option(
        names = "--to",
        paramLabel = "URI",
        description =
            "Migrate: wrap every key under this provider (its settings: the reader configured"
                + " with this URI, pipeseal.kms.providers.NAME.*); the current provider stays a"
                + " reader")
    String to;

    @Parameters(
        paramLabel = "PATH",
        arity = "0..1",
        description = "Lake root or one file (optional with --registry)")
    String path;

    @Option(names = "--registry", paramLabel = "LOC", description = "Also rewrap this key registry")
    String registry;

    @Option(
        names = "--break-lease",
        description =
            "Take the lake's job lease even from a holder that looks alive (only when you know"
                + " that job is dead, e.g. on a host that is gone); audited")
    boolean breakLease;

    @Override
    boolean breakLease() {
      return breakLease;
    }

    @Option(
        names = "--key",
        paramLabel = "NAME",
        description = "Rewrap only this master key's registry records (needs --registry)")
    String key;

    @Override
    String path() {
      return path;
    }

    @Override
    String registry() {
      return registry;
    }

    @Override
    String keyFilter() {
      return key;
    }

    @Override
    void check(Map<String, String> props) {
      if (path == null && registry == null) {
        throw usage("rotate needs a PATH, or --registry LOC");
      }
      if (key != null && registry == null) {
        throw usage("--key needs --registry");
      }
    }

    @Override
    Map<String, String> adjust(Map<String, String> props) {
      if (to == null) {
        return props;
      }
      try {
        return MigrationTarget.apply(props, to);
      } catch (KmsConfigException e) {
        throw usage(e.getMessage());
      }
    }

    @Override
    String checkpointName() {
      return to == null ? super.checkpointName() : "migrate";
    }
  }

  @Command(
      name = "reencrypt",
      description = {
        "Rewrite every file under new data keys and the target policy (also encrypts plaintext"
            + " files); the policy is pipeseal.parquet.columns.KEY=COLS and/or"
            + " pipeseal.parquet.footer.key=KEY in --conf or --config."
      })
  static final class Reencrypt extends JobCommand {
    @Parameters(paramLabel = "PATH", description = "Lake root or one file")
    String path;

    @Option(
        names = "--break-lease",
        description =
            "Take the lake's job lease even from a holder that looks alive (only when you know"
                + " that job is dead, e.g. on a host that is gone); audited")
    boolean breakLease;

    @Override
    boolean breakLease() {
      return breakLease;
    }

    @Override
    String path() {
      return path;
    }

    @Override
    void check(Map<String, String> props) {
      if (!JobOptions.hasWritePolicy(props)) {
        throw usage(
            "reencrypt needs the target policy: pipeseal.parquet.columns.KEY=... and/or"
                + " pipeseal.parquet.footer.key=KEY (--conf or --config)");
      }
    }
  }

  @Command(
      name = "verify",
      description = {"Prove that every column of every file decrypts."})
  static final class Verify extends JobCommand {
    @Parameters(paramLabel = "PATH", description = "Lake root or one file")
    String path;

    @Option(
        names = "--sample",
        paramLabel = "F",
        defaultValue = "1",
        description = "Fraction of files to read, in (0, 1] (default ${DEFAULT-VALUE})")
    double sample;

    @Override
    String path() {
      return path;
    }

    @Override
    double sample() {
      return sample;
    }

    @Override
    void check(Map<String, String> props) {
      if (!(sample > 0 && sample <= 1)) {
        throw usage("--sample must be in (0, 1]");
      }
    }
  }

  private static int run(
      JobOptions options, PrintWriter out, PrintWriter err, MetricsFile metrics) {
    AtomicReference<JobReport> report = new AtomicReference<>();
    int code =
        run(options, out, err, metrics.progress(options.quiet() ? s -> {} : err::println), report);
    metrics.finish(
        JobMetrics.samples(metrics.labels(), report.get()), code, java.time.Clock.systemUTC());
    return code;
  }

  /** Runs the job; {@code done} receives its report unless the run stopped before it had one. */
  private static int run(
      JobOptions options,
      PrintWriter out,
      PrintWriter err,
      Consumer<String> progress,
      AtomicReference<JobReport> done) {
    String command = options.command();
    JobReport report;
    String failure = null;
    try {
      report = execute(options, progress);
      done.set(report);
    } catch (LeaseConflictException e) {
      err.println("pipeseal " + command + ": " + e.getMessage());
      if (options.json()) {
        out.println(
            JobReport.conflictRun(
                command,
                options.path(),
                e.getMessage(),
                e.lease(),
                e.holder() == null ? null : e.holder().toMap()));
      }
      return ExitCode.CONFLICT;
    } catch (FileNotFoundException e) {
      report = null;
      failure = "no such path: " + e.getMessage();
    } catch (IOException | KmsException | RegistryException | IllegalArgumentException e) {
      report = null;
      failure = InventoryTask.describe(e);
    }
    if (report == null) {
      err.println("pipeseal " + command + ": " + failure);
      if (options.json()) {
        out.println(JobReport.failedRun(options.command(), options.path(), failure));
      }
      return ExitCode.FAILED;
    }
    // With --json, stdout carries the JSON document alone (for jq and schedulers); the human
    // summary, failures included, goes to stderr.
    print(report, options.json() ? err : out);
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
      return code == ExitCode.OK ? ExitCode.PARTIAL : code;
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
    String to = MigrationTarget.of(options.properties());
    if (to != null) {
      report.migrationTarget(to);
    }
    if (options.path() != null) {
      try (LakeLease lease = options.takesLease() ? lease(options, progress) : null;
          FileRunner runner = FileRunner.forOptions(options)) {
        new JobDriver(options, runner, progress, lease)
            .run(task(options), !options.command().equals("inventory"), report);
        if (lease != null) {
          lease.check(); // the last batch, too, ran under this job's lease
        }
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

  /**
   * Takes the lake's lease for this run; a takeover from an earlier holder is reported on the
   * progress stream and audited (as {@code lake-lease} {@code takeover}, or {@code break} for
   * {@code --break-lease} over a holder that looked alive).
   */
  private static LakeLease lease(JobOptions o, Consumer<String> progress) throws IOException {
    LakeLease lease =
        LakeLease.acquire(
            o.path(),
            o.command(),
            JobContext.hadoopConf(o.properties()),
            o.properties(),
            o.breakLease(),
            java.time.Clock.systemUTC());
    lease
        .takeover()
        .ifPresent(
            t -> {
              String previous =
                  t.previous() == null ? "an unreadable lease" : t.previous().describe();
              String line =
                  o.command()
                      + ": took over the lease at "
                      + lease.file()
                      + " from "
                      + previous
                      + " ("
                      + t.reason()
                      + ")";
              progress.accept(line);
              audit(
                  o, lease, t.broken() ? "break" : "takeover", previous + " (" + t.reason() + ")");
            });
    return lease;
  }

  /**
   * One admin audit line about the lake's lease, through the job's bridge audit log when one is
   * configured, else the log (as shred does).
   */
  private static void audit(JobOptions o, LakeLease lease, String operation, String reason) {
    try {
      java.util.Optional<AuditLog> configured =
          SharedKmsBridges.pinned(o.kmsProperties()).bridge().auditLog();
      if (configured.isPresent()) {
        configured
            .get()
            .admin("lake-lease", lease.file().toString(), null, operation, "ok", reason);
        return;
      }
    } catch (RuntimeException e) {
      // No bridge for these settings: the fallback below still records it.
    }
    try (AuditLog fallback =
        new AuditLog(new Slf4jAuditSink(), null, null, java.time.Clock.systemUTC())) {
      fallback.admin("lake-lease", lease.file().toString(), null, operation, "ok", reason);
    }
  }

  private static FileTask task(JobOptions o) {
    return switch (o.command()) {
      case "inventory" -> new InventoryTask();
      case "rotate" ->
          MigrationTarget.of(o.properties()) != null
              ? new MigrateTask(o.dryRun(), JobOptions.hasWritePolicy(o.properties()))
              : new RotateTask(o.dryRun(), JobOptions.hasWritePolicy(o.properties()));
      case "reencrypt" -> new ReencryptTask(o.dryRun());
      case "verify" -> new VerifyTask(o.sample());
      default -> throw new IllegalArgumentException(o.command() + " is not implemented yet");
    };
  }

  private static RewrapReport rewrapRegistry(JobOptions o, JobReport report) {
    JobContext ctx = JobContext.of(o.properties(), o.kmsRate());
    try (KeyRegistry registry = KeyRegistries.open(o.registry(), o.registryProperties());
        SubjectKeyRegistry subjects =
            KeyRegistries.openSubjects(o.registry(), o.registryProperties())) {
      if (MigrationTarget.of(o.properties()) != null) {
        return new RegistryMigrator(ctx.kms(), registry, o.keyFilter(), o.dryRun(), report::problem)
            .withSubjects(subjects)
            .run();
      }
      return new RegistryRewrapper(
              ctx.kms(), registry, o.keyFilter(), o.dryRun(), 100, report::problem)
          .withSubjects(subjects)
          .run();
    }
  }

  /** Names the master key (and version) of every registry key id cells reference; no key used. */
  private static void nameRegistryKeys(JobOptions o, JobReport report) {
    try (KeyRegistry registry = KeyRegistries.open(o.registry(), o.registryProperties())) {
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

  private static void print(JobReport r, PrintWriter out) {
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
    if (r.subjectCells() > 0) {
      out.println(
          "cells under subject keys: "
              + r.subjectCells()
              + ", of erased subjects: "
              + r.erasedCells()
              + (r.cellKeys().isEmpty() ? " (every value read)" : " (sampled)"));
    }
    if (!r.cellKeys().isEmpty()) {
      out.println("cell keys (files): " + r.cellKeys() + " (sampled: " + CellSampler.METHOD + ")");
      if (!r.registryKeys().isEmpty()) {
        out.println("registry ids: " + r.registryKeys());
      }
    }
    if (r.command().equals("inventory") && !r.tables().isEmpty()) {
      out.println("tables (files): " + r.tables());
      r.relocated()
          .forEach(
              (bound, here) ->
                  out.println(
                      "note: files bound to table '"
                          + bound
                          + "' sit where readers expect table '"
                          + here
                          + "' (copied or moved?): read and verify them with --conf "
                          + EncryptionPolicy.TABLE
                          + "="
                          + bound));
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
      SubjectKeyRegistry.KeyRewrapResult sk = reg.subjectKeys();
      if (sk != null && sk.keys() > 0) {
        out.println(
            "subject keys: scanned="
                + sk.keys()
                + " stale="
                + sk.stale()
                + " rewrapped="
                + sk.rewrapped()
                + " failed="
                + sk.failed());
      }
    }
  }
}
