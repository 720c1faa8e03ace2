package dev.pipeseal.jobs.keys;

/** The command line is invalid; reported with the usage text and exit code 64. */
final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
