package dev.pipeseal.jobs.inventory;

import dev.pipeseal.jobs.lake.ParquetTail;
import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.FileInfo;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.jobs.run.FileTask;
import dev.pipeseal.jobs.run.JobContext;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code inventory}: needs no key and changes nothing. Also samples envelope cells ({@link
 * CellSampler}) where the footer is readable: always for plaintext footers, with KMS settings for
 * encrypted ones.
 */
public final class InventoryTask implements FileTask {
  private static final long serialVersionUID = 1L;

  @Override
  public FileOutcome apply(JobContext context, String file) {
    try {
      Path p = new Path(file);
      Configuration conf = context.conf();
      ParquetTail tail = ParquetTail.read(p, conf);
      FileInfo info = FileInspector.inspect(p, tail, conf);
      if ("encrypted".equals(tail.footerMode()) && conf.get("pipeseal.kms.uri") == null) {
        return new FileOutcome(
            file, Status.DONE, "cells not sampled: encrypted footer and no KMS settings", info);
      }
      try {
        return new FileOutcome(
            file, Status.DONE, null, info.withCells(CellSampler.sample(p, conf)));
      } catch (IOException | RuntimeException e) {
        // The file is described; only the sample failed (e.g. the footer key is not accessible).
        return new FileOutcome(file, Status.DONE, "cells not sampled: " + describe(e), info);
      }
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
