package dev.pipeseal.kms.registry;

import dev.pipeseal.kms.UnknownKeyException;
import java.time.Instant;

/**
 * The subject's keys were destroyed by {@code pipeseal shred} (crypto-shredding): its values can
 * never be decrypted again. An {@link UnknownKeyException}, so every reader that treats a missing
 * key as "this value cannot be decrypted" (Spark's {@code try_} functions return null) does so
 * here. Names the subject's hash, never the subject id.
 */
public final class SubjectErasedException extends UnknownKeyException {
  private static final long serialVersionUID = 1L;

  private final transient SubjectHash subject;

  public SubjectErasedException(String location, SubjectHash subject, Instant erasedAt) {
    super(
        "key-registry",
        null,
        "subject "
            + subject.hex()
            + " was erased"
            + (erasedAt == null ? "" : " at " + erasedAt)
            + " (its keys were shredded in registry "
            + location
            + "); its values cannot be decrypted");
    this.subject = subject;
  }

  /** The erased subject's hash. */
  public SubjectHash subject() {
    return subject;
  }
}
