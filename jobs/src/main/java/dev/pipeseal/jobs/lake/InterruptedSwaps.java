package dev.pipeseal.jobs.lake;

import dev.pipeseal.jobs.lease.LakeLease;
import dev.pipeseal.registry.HadoopAtomicFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Finishes swaps a failed run left half done. Where a file system's replace is a delete and a
 * rename (object stores through Hadoop's {@code FileContext}), a rename that fails after the delete
 * leaves only the checked new version, as a hidden temporary; {@link HadoopAtomicFiles#discard}
 * keeps it. The next run that changes the lake moves it into place before listing, so nothing is
 * lost and the file is processed again like any other.
 */
public final class InterruptedSwaps {
  private InterruptedSwaps() {}

  /**
   * Moves every hidden swap temporary below {@code root} whose target is missing into place.
   *
   * @return the restored files
   */
  public static List<String> restore(String root, Configuration conf) throws IOException {
    return restore(root, conf, leases -> {});
  }

  /** What must hold before anything is moved, given the lease files the listing met. */
  public interface LeaseCheck {
    void check(List<Path> leases) throws IOException;
  }

  /**
   * As {@link #restore(String, Configuration)}, after {@code before} accepted the lake job lease
   * files ({@link LakeLease#NAME}) found below {@code root}: a temporary of a job running on a
   * sub-path is that job's, not a leftover.
   */
  public static List<String> restore(String root, Configuration conf, LeaseCheck before)
      throws IOException {
    Path rootPath = new Path(root);
    FileSystem fs = rootPath.getFileSystem(conf);
    FileStatus status = fs.getFileStatus(rootPath);
    List<String> restored = new ArrayList<>();
    if (!status.isDirectory()) {
      return restored;
    }
    List<Path> files = new ArrayList<>();
    if (fs instanceof LocalFileSystem) {
      // listFiles stats every file it lists (a forked `ls` each without Hadoop's native library),
      // and fails when one vanishes in between, as temporaries of jobs and heartbeats running
      // beside this one do; listStatus skips those.
      walk(fs, status.getPath(), files);
    } else {
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(status.getPath(), true);
      while (it.hasNext()) {
        files.add(it.next().getPath());
      }
    }
    List<Path> temporaries = new ArrayList<>();
    List<Path> leases = new ArrayList<>();
    for (Path p : files) {
      if (HadoopAtomicFiles.targetOf(p) != null) {
        temporaries.add(p);
      } else if (p.getName().equals(LakeLease.NAME)) {
        leases.add(p);
      }
    }
    before.check(leases);
    for (Path tmp : temporaries) {
      Path target = HadoopAtomicFiles.targetOf(tmp);
      if (!fs.exists(target) && fs.rename(tmp, target)) {
        restored.add(target.toString());
      }
    }
    return restored;
  }

  /** Every file below {@code dir}, hidden ones and those in hidden directories included. */
  private static void walk(FileSystem fs, Path dir, List<Path> out) throws IOException {
    FileStatus[] children;
    try {
      children = fs.listStatus(dir);
    } catch (java.io.FileNotFoundException e) {
      return; // removed while listing
    }
    for (FileStatus f : children) {
      if (f.isDirectory()) {
        walk(fs, f.getPath(), out);
      } else {
        out.add(f.getPath());
      }
    }
  }
}
