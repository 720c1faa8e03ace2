package dev.pipeseal.jobs.lease;

import java.io.IOException;

/**
 * Another job holds the lake's lease (or took it over from this one): nothing was changed by this
 * job after the conflict, and it exits with {@code ExitCode.CONFLICT}.
 */
public final class LeaseConflictException extends IOException {
  private static final long serialVersionUID = 1L;
  private final transient LeaseHolder holder;
  private final String lease;

  LeaseConflictException(String lease, LeaseHolder holder, String message) {
    super(message);
    this.lease = lease;
    this.holder = holder;
  }

  /** The holder as last read; null if its lease file could not be read. */
  public LeaseHolder holder() {
    return holder;
  }

  /** The lease file. */
  public String lease() {
    return lease;
  }
}
