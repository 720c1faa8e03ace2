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
}
