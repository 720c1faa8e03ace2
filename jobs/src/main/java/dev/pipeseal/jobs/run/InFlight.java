package dev.pipeseal.jobs.run;

import dev.pipeseal.jobs.report.FileOutcome;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one Spark task's files with up to {@code n} at once on threads of its own, so a task whose
 * files mostly wait on storage keeps its core busy. Outcomes in the order of the paths, returned
 * once the directories the files' swaps renamed into are forced ({@link JobContext#forceRenamed});
 * an {@link Error} (a crash) from any file is rethrown, as it would be on the task's own thread.
 */
final class InFlight {
  private InFlight() {}

  static List<FileOutcome> apply(FileTask task, JobContext ctx, Iterator<String> paths, int n) {
    List<FileOutcome> out = new ArrayList<>();
    String last = null;
    if (n <= 1) {
      while (paths.hasNext()) {
        last = paths.next();
        out.add(task.apply(ctx, last));
      }
      if (last != null) {
        ctx.forceRenamed(last, null);
      }
      return out;
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<FileOutcome>> futures = new ArrayList<>();
      while (paths.hasNext()) {
        String p = paths.next();
        last = p;
        futures.add(pool.submit(() -> task.apply(ctx, p)));
      }
      for (Future<FileOutcome> f : futures) {
        out.add(await(f));
      }
      if (last != null) {
        ctx.forceRenamed(last, pool);
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /** The outcome; an {@link Error} the file's work threw is rethrown as is. */
  static FileOutcome await(Future<FileOutcome> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
