package dev.pipeseal.jobs.run;

import dev.pipeseal.jobs.checkpoint.Checkpoint;
import dev.pipeseal.jobs.lake.InterruptedSwaps;
import dev.pipeseal.jobs.lake.LakeListing;
import dev.pipeseal.jobs.lease.LakeLease;
import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.jobs.report.JobReport;
import dev.pipeseal.jobs.report.Progress;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Lists the lake, skips what the checkpoint says is finished, runs the task over the rest in
 * batches, commits each batch to the checkpoint, and reports progress after each batch. The
 * checkpoint is removed when a run leaves nothing failed.
 */
public final class JobDriver {
  private final JobOptions options;
  private final FileRunner runner;
  private final Consumer<String> progress;
  private final LakeLease lease;

  public JobDriver(JobOptions options, FileRunner runner, Consumer<String> progress) {
    this(options, runner, progress, null);
  }

  /**
   * @param lease the lake's lease this job holds (jobs that change the lake), or null: checked
   *     against leases below the path after listing and before every batch
   */
  public JobDriver(
      JobOptions options, FileRunner runner, Consumer<String> progress, LakeLease lease) {
    this.options = options;
    this.runner = runner;
    this.progress = progress;
    this.lease = lease;
  }

  /**
   * Runs {@code task} over every data file below {@code options.path()} into {@code report}.
   *
   * @param checkpointed keep a checkpoint (commands that change files, or read them at length)
   * @throws IOException if the lake cannot be listed or the checkpoint cannot be used (nothing was
   *     changed)
   */
  public void run(FileTask task, boolean checkpointed, JobReport report) throws IOException {
    Configuration conf = JobContext.hadoopConf(options.properties());
    if (!options.dryRun() && JobOptions.CHANGES_LAKE.contains(options.command())) {
      InterruptedSwaps.LeaseCheck nested = lease == null ? l -> {} : lease::checkNested;
      for (String f : InterruptedSwaps.restore(options.path(), conf, nested)) {
        progress.accept(
            options.command() + ": restored " + f + " from a swap an earlier run left unfinished");
      }
    }
    List<Path> leases = new ArrayList<>();
    List<String> files = LakeListing.dataFiles(options.path(), conf, leases::add);
    if (lease != null) {
      lease.checkNested(leases);
    }
    Checkpoint checkpoint =
        checkpointed && !options.dryRun()
            ? Checkpoint.open(options.checkpoint(), runId(), options.restart(), conf)
            : null;
    List<String> todo = new ArrayList<>();
    for (String f : files) {
      if (checkpoint == null || !checkpoint.isDone(f)) {
        todo.add(f);
      }
    }
    long resumed = files.size() - todo.size();
    report.resumed(resumed);
    Progress p = new Progress(options.command(), files.size(), System::nanoTime);
    long done = 0;
    FileTask parquetOnly = new ParquetOnly(task);
    for (int i = 0; i < todo.size(); i += options.batchSize()) {
      List<String> batch = todo.subList(i, Math.min(todo.size(), i + options.batchSize()));
      if (lease != null) {
        lease.check(); // a job that lost its lease stops before changing more
      }
      List<FileOutcome> outcomes = runner.run(batch, parquetOnly);
      List<String> finished = new ArrayList<>();
      for (FileOutcome o : outcomes) {
        report.add(o);
        if (o.status() != Status.FAILED) {
          finished.add(o.path());
        }
      }
      FaultInjection.at(FaultInjection.MID_RUN, batch.get(batch.size() - 1));
      if (checkpoint != null) {
        checkpoint.commit(finished);
      }
      done += batch.size();
      progress.accept(p.line(done, resumed));
    }
    if (checkpoint != null && report.count(Status.FAILED) == 0) {
      checkpoint.finish();
    }
  }

  /**
   * What makes two runs the same run: command and path, and the target of a migration (a checkpoint
   * only saves work).
   */
  private String runId() {
    String to = options.properties().get(JobOptions.MIGRATION_TARGET);
    return options.command() + " " + options.path() + (to == null ? "" : " --to " + to);
  }
}
