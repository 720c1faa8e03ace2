package dev.pipeseal.jobs.rotation;

import java.io.IOException;

/**
 * A data file or its key material changed between the job reading it and the job replacing its key
 * material (a writer that does not take the lake's lease, e.g. another tool rewriting the table):
 * nothing was replaced, and a rerun handles the file as it now is.
 */
public final class ChangedConcurrentlyException extends IOException {
  private static final long serialVersionUID = 1L;

  public ChangedConcurrentlyException(String message) {
    super(message);
  }
}
