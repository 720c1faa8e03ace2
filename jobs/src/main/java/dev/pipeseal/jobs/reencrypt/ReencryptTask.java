package dev.pipeseal.jobs.reencrypt;

import dev.pipeseal.jobs.inventory.FileInspector;
import dev.pipeseal.jobs.inventory.InventoryTask;
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
 * {@code reencrypt} of one file: new DEKs under the job's policy, verified, swapped in; key
 * material as configured, else as the source had it.
 */
public final class ReencryptTask implements FileTask {
  private static final long serialVersionUID = 1L;
  private final boolean dryRun;

  public ReencryptTask(boolean dryRun) {
    this.dryRun = dryRun;
  }

  /**
   * The output's key material: {@code pipeseal.parquet.key-material} when the job sets it, else the
   * source's (external stays external; plaintext and internal sources get internal).
   */
  static boolean external(Path source, Configuration conf) throws IOException {
    String configured = conf.get("pipeseal.parquet.key-material");
    return configured != null
        ? configured.equalsIgnoreCase("external")
        : FileRewriter.readsOrTargetsExternal(source, conf);
  }

  @Override
  public FileOutcome apply(JobContext context, String file) {
    try {
      Path p = new Path(file);
      Configuration conf = context.conf();
      FileInfo before = FileInspector.inspect(p, ParquetTail.read(p, conf), conf);
      if (dryRun) {
        return new FileOutcome(file, Status.WOULD_CHANGE, "would rewrite under new keys", before);
      }
      long rows = FileRewriter.rewrite(p, conf, external(p, conf));
      FileInfo after = FileInspector.inspect(p, ParquetTail.read(p, conf), conf);
      return new FileOutcome(
          file, Status.DONE, "rewritten (" + rows + " rows) from " + before.kind(), after);
    } catch (IOException | RuntimeException e) {
      return FileOutcome.of(file, Status.FAILED, InventoryTask.describe(e));
    }
  }
}
