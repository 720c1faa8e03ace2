package dev.pipeseal.jobs.lake;

import dev.pipeseal.jobs.lease.LakeLease;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/** Lists the data files of a lake: every file below the root whose path has no hidden part. */
public final class LakeListing {
  private LakeListing() {}

  /**
   * Data file paths, sorted (so batches and checkpoints are stable across reruns).
   *
   * @throws FileNotFoundException if {@code root} does not exist
   */
  public static List<String> dataFiles(String root, Configuration conf) throws IOException {
    return dataFiles(root, conf, lease -> {});
  }

  /**
   * Data file paths as {@link #dataFiles(String, Configuration)} lists them; also hands {@code
   * leases} every lake job lease file ({@link LakeLease#NAME}) the listing meets below visible
   * directories, at no extra listing cost.
   */
  public static List<String> dataFiles(String root, Configuration conf, Consumer<Path> leases)
      throws IOException {
    Path rootPath = new Path(root);
    FileSystem fs = rootPath.getFileSystem(conf);
    FileStatus status = fs.getFileStatus(rootPath); // FileNotFoundException names the path
    List<String> out = new ArrayList<>();
    if (status.isFile()) {
      out.add(status.getPath().toString());
      return out;
    }
    if (fs instanceof LocalFileSystem) {
      // listFiles builds a LocatedFileStatus per file, which asks each file's permissions, and
      // without Hadoop's native library that is a forked `ls` per file: it took most of a rotate
      // of small files. A plain walk reads names only.
      walk(fs, status.getPath(), out, leases);
    } else {
      // Object stores list a whole tree in a few flat requests; a walk would list each directory.
      String prefix = status.getPath().toUri().getPath();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(status.getPath(), true);
      while (it.hasNext()) {
        LocatedFileStatus f = it.next();
        String rel = f.getPath().toUri().getPath().substring(prefix.length());
        if (!isHidden(rel)) {
          out.add(f.getPath().toString());
        } else if (f.getPath().getName().equals(LakeLease.NAME)
            && !isHidden(rel.substring(0, rel.length() - LakeLease.NAME.length()))) {
          leases.accept(f.getPath());
        }
      }
    }
    out.sort(null);
    return out;
  }

  /** Visible files below {@code dir}; hidden names are skipped, hidden directories not entered. */
  private static void walk(FileSystem fs, Path dir, List<String> out, Consumer<Path> leases)
      throws IOException {
    for (FileStatus f : fs.listStatus(dir)) {
      if (isHidden(f.getPath().getName())) {
        if (f.getPath().getName().equals(LakeLease.NAME)) {
          leases.accept(f.getPath());
        }
        continue;
      }
      if (f.isDirectory()) {
        walk(fs, f.getPath(), out, leases);
      } else {
        out.add(f.getPath().toString());
      }
    }
  }

  /** Spark and Hive ignore names starting with {@code _} or {@code .}; so do we. */
  static boolean isHidden(String relativePath) {
    for (String part : relativePath.split("/")) {
      if (part.startsWith("_") || part.startsWith(".")) {
        return true;
      }
    }
    return false;
  }
}
