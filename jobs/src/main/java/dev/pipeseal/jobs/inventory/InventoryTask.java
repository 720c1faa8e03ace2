package dev.pipeseal.jobs.inventory;

import dev.pipeseal.jobs.lake.ParquetTail;
import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.jobs.run.FileTask;
import dev.pipeseal.jobs.run.JobContext;
import java.io.IOException;
import org.apache.hadoop.fs.Path;

/** {@code inventory}: needs no key and changes nothing. */
public final class InventoryTask implements FileTask {
  private static final long serialVersionUID = 1L;

  @Override
  public FileOutcome apply(JobContext context, String file) {
    try {
      Path p = new Path(file);
      var conf = context.conf();
      return new FileOutcome(
          file, Status.DONE, null, FileInspector.inspect(p, ParquetTail.read(p, conf), conf));
    } catch (IOException | RuntimeException e) {
      return FileOutcome.of(file, Status.FAILED, describe(e));
    }
  }

  /** An exception as one line (class and message, with the first cause). */
  public static String describe(Throwable e) {
    String s = e.getClass().getSimpleName() + ": " + e.getMessage();
    Throwable c = e.getCause();
    return c == null || c == e
        ? s
        : s + " (" + c.getClass().getSimpleName() + ": " + c.getMessage() + ")";
  }
}
