package dev.pipeseal.jobs.cli;

import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.metrics.MetricSample;
import dev.pipeseal.kms.metrics.PrometheusText;
import dev.pipeseal.kms.storage.AtomicFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * {@code --metrics-file PATH}: the command's metrics in the Prometheus text format, for a node
 * exporter's textfile collector. Rewritten atomically ({@link AtomicFile}: temporary file, fsync,
 * rename) every {@value #PERIOD_SECONDS} seconds while the command runs, after each batch, and at
 * the end, so a scraper never reads a partial file. Holds the KMS bridges' counters ({@link
 * SharedKmsBridges#samples()}) and what the command adds (job progress and results, key rotation
 * state).
 */
public final class MetricsFile implements AutoCloseable {
  static final long PERIOD_SECONDS = 15;

  @Option(
      names = "--metrics-file",
      paramLabel = "PATH",
      description =
          "Write metrics there in the Prometheus text format (atomically, periodically and at the"
              + " end), e.g. for the node exporter's textfile collector")
  Path path;

  private final AtomicLong batches = new AtomicLong();
  private volatile List<MetricSample> own = List.of();
  private volatile String command = "";
  private ScheduledExecutorService timer;
  private PrintWriter err;

  /** True if {@code --metrics-file} was given. */
  public boolean enabled() {
    return path != null;
  }

  /** Starts the periodic writes of {@code command}'s file (nothing without the option). */
  public MetricsFile start(String command, PrintWriter err) {
    this.command = command;
    this.err = err;
    if (path != null) {
      own = List.of(gauge("pipeseal_job_running", 1, "1 while the command runs"));
      timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "pipeseal-metrics-file");
                t.setDaemon(true);
                return t;
              });
      timer.scheduleAtFixedRate(this::write, 0, PERIOD_SECONDS, TimeUnit.SECONDS);
    }
    return this;
  }

  /** Wraps a job's progress sink: each batch also refreshes the file. */
  public Consumer<String> progress(Consumer<String> inner) {
    if (path == null) {
      return inner;
    }
    return line -> {
      inner.accept(line);
      batches.incrementAndGet();
      own =
          List.of(
              gauge("pipeseal_job_running", 1, "1 while the command runs"),
              new MetricSample(
                  "pipeseal_job_batches_done_total",
                  labels(),
                  batches.get(),
                  true,
                  "Batches of files finished by this run",
                  "batches"));
      write();
    };
  }

  /**
   * The final values of the command ({@code pipeseal_job_*} or {@code pipeseal_key_*}), written
   * with the exit code and the time it finished.
   */
  public void finish(List<MetricSample> results, int exitCode, Clock clock) {
    if (path == null) {
      return;
    }
    List<MetricSample> all = new ArrayList<>(results);
    all.add(gauge("pipeseal_job_running", 0, "1 while the command runs"));
    all.add(gauge("pipeseal_job_exit_code", exitCode, "Exit code of the last run"));
    all.add(
        gauge(
            "pipeseal_job_last_run_timestamp_seconds",
            clock.millis() / 1000.0,
            "When the last run ended (Unix time)"));
    if (exitCode == ExitCode.OK) {
      all.add(
          gauge(
              "pipeseal_job_last_success_timestamp_seconds",
              clock.millis() / 1000.0,
              "When the last run that exited 0 ended (Unix time)"));
    }
    own = List.copyOf(all);
    stopTimer();
    write();
  }

  /** A gauge labelled with this command. */
  public MetricSample gauge(String name, double value, String help) {
    return new MetricSample(name, labels(), value, false, help, name);
  }

  /** {@code command=NAME}, the label every sample of this file carries. */
  public Map<String, String> labels() {
    return MetricSample.labels("command", command);
  }

  private synchronized void write() {
    List<MetricSample> all = new ArrayList<>(own);
    all.addAll(SharedKmsBridges.samples());
    try {
      AtomicFile.write(path, PrometheusText.render(all).getBytes(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      // Metrics never fail the command; say so once per failure.
      if (err != null) {
        err.println("pipeseal " + command + ": cannot write --metrics-file " + path + ": " + e);
      }
    }
  }

  private void stopTimer() {
    if (timer != null) {
      timer.shutdownNow();
      try {
        timer.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      timer = null;
    }
  }

  @Override
  public void close() {
    stopTimer();
  }
}
