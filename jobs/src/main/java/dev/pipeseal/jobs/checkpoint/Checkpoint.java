package dev.pipeseal.jobs.checkpoint;

import dev.pipeseal.registry.HadoopAtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A checkpoint directory: {@code run.id} (what run it belongs to: command, path and options that
 * change the outcome) and one {@code batch-<n>.done} per finished batch, each listing the files the
 * batch finished (done or already current; failures are not listed, so a rerun retries them). Batch
 * files are written whole (temporary file, then rename), so a crash leaves either the full list or
 * none: at worst a rerun redoes one batch, which every command tolerates because each step first
 * checks whether it is still needed. A finished run deletes the directory.
 */
public final class Checkpoint {
  private final Path dir;
  private final Configuration conf;
  private final Set<String> done = new HashSet<>();
  private int nextBatch;

  private Checkpoint(Path dir, Configuration conf) {
    this.dir = dir;
    this.conf = conf;
  }

  /**
   * Opens (or starts) the checkpoint in {@code dir} for the run {@code runId}.
   *
   * @param restart forget an existing checkpoint
   * @throws CheckpointMismatchException if {@code dir} holds the checkpoint of another run
   */
  public static Checkpoint open(String dir, String runId, boolean restart, Configuration conf)
      throws IOException {
    Path d = new Path(dir);
    FileSystem fs = d.getFileSystem(conf);
    if (restart) {
      fs.delete(d, true);
    }
    Checkpoint c = new Checkpoint(d, conf);
    Path id = new Path(d, "run.id");
    if (fs.exists(id)) {
      String existing = read(fs, id).trim();
      if (!existing.equals(runId)) {
        throw new CheckpointMismatchException(
            "checkpoint "
                + d
                + " belongs to another run ("
                + existing
                + "); rerun that command, or pass --restart to discard it");
      }
      for (FileStatus f : fs.listStatus(d)) {
        String name = f.getPath().getName();
        if (name.startsWith("batch-") && name.endsWith(".done")) {
          c.nextBatch =
              Math.max(c.nextBatch, Integer.parseInt(name.substring(6, name.length() - 5)) + 1);
          for (String line : read(fs, f.getPath()).split("\n")) {
            if (!line.isEmpty()) {
              c.done.add(line);
            }
          }
        }
      }
    } else {
      fs.mkdirs(d);
      publish(id, runId + "\n", conf);
    }
    return c;
  }

  public boolean isDone(String file) {
    return done.contains(file);
  }

  public int size() {
    return done.size();
  }

  /** Records a finished batch durably before the run goes on. */
  public void commit(Collection<String> finished) throws IOException {
    if (finished.isEmpty()) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    for (String f : finished) {
      sb.append(f).append('\n');
    }
    publish(new Path(dir, "batch-" + nextBatch++ + ".done"), sb.toString(), conf);
    done.addAll(finished);
  }

  /** The run finished: the next scheduled run starts from scratch. */
  public void finish() throws IOException {
    dir.getFileSystem(conf).delete(dir, true);
  }

  private static void publish(Path target, String text, Configuration conf) throws IOException {
    Path tmp =
        HadoopAtomicFiles.writeTemporary(target, text.getBytes(StandardCharsets.UTF_8), conf);
    HadoopAtomicFiles.swap(tmp, target, conf);
  }

  private static String read(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The checkpoint directory holds another run's state. */
  public static final class CheckpointMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    CheckpointMismatchException(String message) {
      super(message);
    }
  }
}
