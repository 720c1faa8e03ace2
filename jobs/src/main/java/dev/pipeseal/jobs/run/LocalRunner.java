package dev.pipeseal.jobs.run;

import dev.pipeseal.jobs.report.FileOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** A thread pool in this JVM: small lakes, tests, and machines without Spark. */
final class LocalRunner implements FileRunner {
  private final ExecutorService pool;
  private final Map<String, String> properties;
  private final double kmsRate;

  LocalRunner(int threads, Map<String, String> properties, double kmsRate) {
    this.pool = Executors.newFixedThreadPool(threads);
    this.properties = properties;
    this.kmsRate = kmsRate;
  }

  @Override
  public List<FileOutcome> run(List<String> files, FileTask task) {
    JobContext ctx = JobContext.of(properties, kmsRate);
    List<Future<FileOutcome>> futures = new ArrayList<>(files.size());
    for (String f : files) {
      futures.add(pool.submit(() -> task.apply(ctx, f)));
    }
    List<FileOutcome> out = new ArrayList<>(files.size());
    for (Future<FileOutcome> f : futures) {
      try {
        out.add(f.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof Error err) {
          throw err; // a crash: stop like a killed process would
        }
        throw new IllegalStateException(e.getCause());
      }
    }
    return out;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
