package dev.pipeseal.jobs.lake;

import java.io.IOException;

/** A file that is not (or no longer) a well-formed Parquet or key material file. */
public final class CorruptFileException extends IOException {
  private static final long serialVersionUID = 1L;

  public CorruptFileException(String message) {
    super(message);
  }

  public CorruptFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
