package dev.pipeseal.jobs.run;

import dev.pipeseal.jobs.report.FileOutcome;
import java.util.List;

/** Runs a task over a batch of files in parallel; outcomes in the order of {@code files}. */
public interface FileRunner extends AutoCloseable {
  List<FileOutcome> run(List<String> files, FileTask task);

  @Override
  void close();

  /** The runner {@code options.engine()} names. */
  static FileRunner forOptions(JobOptions options) {
    return options.engine().equals("local")
        ? new LocalRunner(
            options.parallelism(), options.filesInFlight(), options.properties(), options.kmsRate())
        : new SparkRunner(options);
  }

  /** Files each task works on at once: the option if given, else what the task asks for. */
  static int filesInFlight(int option, FileTask task) {
    return Math.max(1, option > 0 ? option : task.filesInFlight());
  }
}
