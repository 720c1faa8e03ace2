package dev.pipeseal.jobs.inventory;

import dev.pipeseal.jobs.lake.ParquetTail;
import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.FileInfo;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.jobs.run.FileTask;
import dev.pipeseal.jobs.run.JobContext;
import dev.pipeseal.parquet.crypto.TableBinding;
import dev.pipeseal.parquet.policy.EncryptionPolicy;
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
      FileInfo info = locate(FileInspector.inspect(p, tail, conf), p, conf);
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

  /**
   * Notes the table readers expect at {@code file}'s location when the file is bound to another one
   * (a copied or moved lake): the operator then learns the {@code pipeseal.parquet.table} to read
   * it with, before any read fails.
   */
  static FileInfo locate(FileInfo info, Path file, Configuration conf) {
    if (info.table() == null) {
      return info;
    }
    String configured = conf.getTrimmed(EncryptionPolicy.TABLE);
    if (EncryptionPolicy.TABLE_NONE.equals(configured)) {
      return info;
    }
    String expected =
        configured == null || configured.isEmpty() || configured.equals(EncryptionPolicy.TABLE_AUTO)
            ? TableBinding.tableOf(file)
            : configured;
    return expected.equals(info.table()) ? info : info.withLocationTable(expected);
  }

  /**
   * An exception as one line (class and message, with the first cause, and the root cause when it
   * is another: Parquet wraps a key error twice, and the root names the key and what to set).
   */
  public static String describe(Throwable e) {
    String s = e.getClass().getSimpleName() + ": " + e.getMessage();
    Throwable c = e.getCause();
    if (c == null || c == e) {
      return s;
    }
    s += " (" + c.getClass().getSimpleName() + ": " + c.getMessage();
    Throwable root = c;
    for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 16; depth++) {
      root = root.getCause();
    }
    if (root != c && root.getMessage() != null) {
      s += "; caused by " + root.getClass().getSimpleName() + ": " + root.getMessage();
    }
    return s + ")";
  }
}
