package dev.pipeseal.jobs.lake;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Tells the files of a lake folder that are not Parquet at all (a README, a CSV export, a script)
 * from Parquet files that are damaged. Readers skip the former; a file that claims to be Parquet
 * (by its {@code .parquet} name or its leading magic) and does not parse stays a failure, since
 * that is data at risk.
 */
public final class NotParquet {
  private NotParquet() {}

  /** Whether a file's name (or whole path: the extension has no slash) ends in {@code .parquet}. */
  public static boolean named(String nameOrPath) {
    return nameOrPath.toLowerCase(Locale.ROOT).endsWith(".parquet");
  }

  /**
   * Why {@code file} is not a Parquet file, or null if it claims to be one: its name ends in {@code
   * .parquet}, or it starts with Parquet's magic ({@code PAR1}, or {@code PARE} for encrypted
   * footers). Only names without the extension cost a read of four bytes.
   */
  public static String reason(Path file, Configuration conf) throws IOException {
    if (named(file.getName())) {
      return null;
    }
    FileSystem fs = file.getFileSystem(conf);
    byte[] head = new byte[4];
    try (FSDataInputStream in = fs.open(file)) {
      in.readFully(0, head);
    } catch (EOFException e) {
      return "not Parquet ("
          + fs.getFileStatus(file).getLen()
          + " bytes, no Parquet magic): skipped";
    }
    String magic = new String(head, StandardCharsets.US_ASCII);
    if (magic.equals("PAR1") || magic.equals("PARE")) {
      return null;
    }
    return "not Parquet (no .parquet name, no PAR1/PARE magic): skipped";
  }
}
