package dev.pipeseal.jobs.run;

import dev.pipeseal.jobs.inventory.InventoryTask;
import dev.pipeseal.jobs.lake.NotParquet;
import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.FileInfo;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.fs.Path;

/**
 * Runs a job's task only on files that are Parquet (see {@link NotParquet}); the others are
 * reported as skipped, kind {@code not-parquet}, and left alone, as Spark and Hive readers do with
 * stray files. Every job goes through it, so a README beside the data never fails a run.
 */
public final class ParquetOnly implements FileTask {
  private static final long serialVersionUID = 1L;

  /** The {@link FileInfo#kind} of skipped files. */
  public static final String KIND = "not-parquet";

  private final FileTask task;

  public ParquetOnly(FileTask task) {
    this.task = task;
  }

  /** The wrapped task's: the runners size their pools by the task they are handed, this one. */
  @Override
  public int filesInFlight() {
    return task.filesInFlight();
  }

  @Override
  public FileOutcome apply(JobContext context, String file) {
    String reason;
    try {
      // The name alone says most files are Parquet: no Hadoop path to build for those.
      reason =
          NotParquet.named(file) ? null : NotParquet.reason(new Path(file), context.sharedConf());
    } catch (IOException | RuntimeException e) {
      return FileOutcome.of(file, Status.FAILED, InventoryTask.describe(e));
    }
    if (reason == null) {
      return task.apply(context, file);
    }
    return new FileOutcome(
        file,
        Status.SKIPPED,
        reason,
        new FileInfo(KIND, null, null, null, null, List.of(), List.of()));
  }
}
