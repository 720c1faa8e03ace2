package dev.pipeseal.jobs.verify;

import dev.pipeseal.jobs.inventory.CellSampler;
import dev.pipeseal.jobs.inventory.FileInspector;
import dev.pipeseal.jobs.inventory.InventoryTask;
import dev.pipeseal.jobs.lake.ExplicitKeys;
import dev.pipeseal.jobs.lake.ParquetTail;
import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.FileInfo;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.jobs.run.FileTask;
import dev.pipeseal.jobs.run.JobContext;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * {@code verify} of one file: reads every value of every column through the job's crypto settings,
 * so every page's GCM tag (or, for {@code AES_GCM_CTR_V1}, every page header's) is checked and
 * every key unwrapped, and compares the row count with the footer's. {@code sample} keeps that
 * fraction of files, chosen by a hash of the path so reruns check the same ones.
 */
public final class VerifyTask implements FileTask {
  private static final long serialVersionUID = 1L;
  private final double sample;

  public VerifyTask(double sample) {
    this.sample = sample;
  }

  /** Whether {@code file} is in a {@code sample} fraction of files (stable across runs). */
  public static boolean sampled(String file, double sample) {
    if (sample >= 1) {
      return true;
    }
    long h = file.hashCode() & 0xffffffffL;
    return h < sample * 0x1_0000_0000L;
  }

  @Override
  public FileOutcome apply(JobContext context, String file) {
    if (!sampled(file, sample)) {
      return FileOutcome.of(file, Status.SKIPPED, "not in the sample");
    }
    try {
      Path p = new Path(file);
      FileInfo info = check(p, context.conf());
      // Cells of shredded subjects are counted, not failures: they are unreadable by design.
      return new FileOutcome(
          file, Status.DONE, null, info.withCells(CellSampler.count(p, context.conf())));
    } catch (IOException | RuntimeException e) {
      return FileOutcome.of(file, Status.FAILED, InventoryTask.describe(e));
    }
  }

  /** Reads the whole file; returns its inventory. Throws if anything does not decrypt. */
  public static FileInfo check(Path p, Configuration conf) throws IOException {
    FileInfo info = FileInspector.inspect(p, ParquetTail.read(p, conf), conf);
    long expected;
    FileDecryptionProperties explicitKeys = ExplicitKeys.decryptionFor(p, conf);
    HadoopReadOptions.Builder options = HadoopReadOptions.builder(conf, p);
    ParquetReader.Builder<Group> reader =
        ParquetReader.builder(new GroupReadSupport(), p).withConf(conf);
    if (explicitKeys != null) {
      options.withDecryption(explicitKeys);
      reader.withDecryption(explicitKeys);
    }
    try (ParquetFileReader r =
        ParquetFileReader.open(HadoopInputFile.fromPath(p, conf), options.build())) {
      expected = r.getRecordCount();
    }
    long rows = 0;
    try (ParquetReader<Group> r = reader.build()) {
      while (r.read() != null) {
        rows++;
      }
    }
    if (rows != expected) {
      throw new IOException(p + ": read " + rows + " rows, footer says " + expected);
    }
    return info;
  }
}
