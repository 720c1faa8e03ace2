package dev.pipeseal.jobs.run;

import java.util.function.BiConsumer;

/**
 * Named points where a job may be killed (after the new file is written, after the rename, between
 * batches). Tests install a hook that throws an {@link Error} at one of them to prove a rerun
 * completes and every file stays readable; in production the hook does nothing.
 */
public final class FaultInjection {
  /** Temporary file written and checked, target not yet replaced. */
  public static final String AFTER_WRITE = "after-write";

  /** Target replaced, outcome not yet reported. */
  public static final String AFTER_RENAME = "after-rename";

  /**
   * A batch's files finished and renamed, the directories of those renames not yet forced (a power
   * loss here may undo any of them), the checkpoint not yet written.
   */
  public static final String BEFORE_DIRECTORY_FORCE = "before-directory-force";

  /** A batch finished, its checkpoint not yet written. */
  public static final String MID_RUN = "mid-run";

  /** Shred: the subject's bucket rewritten without its keys is published, old files remain. */
  public static final String SHRED_PUBLISHED = "shred-published";

  /** Shred: one of the bucket's old files is deleted (reached once per file). */
  public static final String SHRED_DELETED = "shred-deleted";

  private static volatile BiConsumer<String, String> hook = (point, file) -> {};

  private FaultInjection() {}

  public static void at(String point, String file) {
    hook.accept(point, file);
  }

  /** For tests: {@code null} restores the no-op hook. */
  public static void install(BiConsumer<String, String> h) {
    hook = h == null ? (point, file) -> {} : h;
  }
}
