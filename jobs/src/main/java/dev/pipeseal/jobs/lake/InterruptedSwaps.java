package dev.pipeseal.jobs.lake;

import dev.pipeseal.jobs.lease.LakeLease;
import dev.pipeseal.registry.HadoopAtomicFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
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
      // beside this one do. Hadoop's listStatus avoids the forks but still stats each file several
      // times and builds its status: only names matter here, so the walk reads directories.
      walk(status.getPath(), java.nio.file.Path.of(status.getPath().toUri()), files);
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

  /**
   * The swap temporaries and lease files below {@code dir} ({@code local} on disk), hidden ones and
   * those in hidden directories included; directories are followed through links, as Hadoop's
   * listing does.
   */
  private static void walk(Path dir, java.nio.file.Path local, List<Path> out) throws IOException {
    List<java.nio.file.Path> children = new ArrayList<>();
    try (DirectoryStream<java.nio.file.Path> s = Files.newDirectoryStream(local)) {
      s.forEach(children::add);
    } catch (NoSuchFileException | NotDirectoryException e) {
      return; // removed while listing
    }
    for (java.nio.file.Path c : children) {
      String name = c.getFileName().toString();
      if (Files.isDirectory(c)) {
        walk(new Path(dir, name), c, out);
      } else if (name.equals(LakeLease.NAME) || name.endsWith(".pipeseal-tmp")) {
        out.add(new Path(dir, name)); // only these two kinds matter below
      }
    }
  }
}
