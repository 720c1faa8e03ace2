package dev.pipeseal.jobs.run;

import dev.pipeseal.jobs.report.FileOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A thread pool in this JVM: small lakes, tests, and machines without Spark. {@code parallelism}
 * threads, times the files each works on at once (see {@link FileTask#filesInFlight()}): the pool
 * is sized on the first batch, once the task is known.
 */
final class LocalRunner implements FileRunner {
  private final int parallelism;
  private final int filesInFlight;
  private final Map<String, String> properties;
  private final double kmsRate;
  private ExecutorService pool;

  LocalRunner(int parallelism, int filesInFlight, Map<String, String> properties, double kmsRate) {
    this.parallelism = parallelism;
    this.filesInFlight = filesInFlight;
    this.properties = properties;
    this.kmsRate = kmsRate;
  }

  @Override
  public List<FileOutcome> run(List<String> files, FileTask task) {
    if (pool == null) {
      pool =
          Executors.newFixedThreadPool(
              Math.multiplyExact(parallelism, FileRunner.filesInFlight(filesInFlight, task)));
    }
    JobContext ctx = JobContext.of(properties, kmsRate);
    List<Future<FileOutcome>> futures = new ArrayList<>(files.size());
    for (String f : files) {
      futures.add(pool.submit(() -> task.apply(ctx, f)));
    }
    List<FileOutcome> out = new ArrayList<>(files.size());
    for (Future<FileOutcome> f : futures) {
      out.add(InFlight.await(f)); // a crash (an Error) stops the run like a killed process would
    }
    if (!files.isEmpty()) {
      ctx.forceRenamed(files.get(files.size() - 1), pool);
    }
    return out;
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
