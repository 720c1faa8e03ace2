package dev.pipeseal.jobs.cli;

/** Process exit codes of every {@code pipeseal} command; scripts and schedulers rely on them. */
public final class ExitCode {
  /** Everything done. */
  public static final int OK = 0;

  /** Nothing done: bad configuration, provider or registry error, or every record failed. */
  public static final int FAILED = 1;

  /** Some records were handled and some failed; rerunning retries only what is left. */
  public static final int PARTIAL = 2;

  /**
   * {@code keys status}: some master key is past its rotation period and grace (a scheduler alerts
   * on it); everything else was reported.
   */
  public static final int OVERDUE = 3;

  /**
   * {@code keys retire}: refused, because something still references the version (or a source could
   * not be fully checked); the output lists what.
   */
  public static final int IN_USE = 4;

  /**
   * A lake job found another job holding the lake's lease (or lost its own to a takeover): it
   * changed nothing after that; rerun it when the other job has finished (as {@code EX_TEMPFAIL} in
   * sysexits.h). The message names the holder's job, host, pid and start.
   */
  public static final int CONFLICT = 75;

  /** Invalid command line (as {@code EX_USAGE} in sysexits.h). */
  public static final int USAGE = 64;

  private ExitCode() {}
}
