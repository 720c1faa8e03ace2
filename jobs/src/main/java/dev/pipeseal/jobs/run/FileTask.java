package dev.pipeseal.jobs.run;

import dev.pipeseal.jobs.report.FileOutcome;
import java.io.Serializable;

/**
 * The work of one command on one file, shipped to Spark executors. Implementations catch every
 * exception and return {@link FileOutcome.Status#FAILED}; only an {@link Error} (a crash) escapes.
 */
@FunctionalInterface
public interface FileTask extends Serializable {
  FileOutcome apply(JobContext context, String file);

  /**
   * Files one runner task (a local thread's share, a Spark task) works on at once unless {@code
   * --files-in-flight} says otherwise. More than one only pays when a file's work mostly waits on
   * storage (fsync, object-store round trips) rather than on the CPU.
   */
  default int filesInFlight() {
    return 1;
  }
}
