package dev.pipeseal.kms.registry;

import dev.pipeseal.kms.WrappedKey;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Per-subject data keys (crypto-shredding): values about one subject are encrypted under that
 * subject's own DEK, so destroying the subject's keys erases those values wherever they were
 * copied. Keys are found by {@link SubjectHash}, never by subject id. Safe for many concurrent
 * writers in one process or many; operations throw {@link RegistryException}s naming the location.
 */
public interface SubjectKeyRegistry extends AutoCloseable {
  /**
   * The key a writer should use for each subject, creating the missing ones with {@code generate}
   * (one call per missing subject; typically a KEK-wrapped DEK from the bridge). Creation is
   * batched: one published file per touched bucket. Erased subjects are left out of the result (no
   * key is made for them).
   */
  Map<SubjectHash, SubjectKey> keysFor(
      Collection<SubjectHash> subjects, Supplier<WrappedKey> generate);

  /**
   * One key of a subject, as a reader resolves an envelope's reference; may be served from a
   * bounded, time-limited cache.
   *
   * @return empty if the subject or that key is unknown
   * @throws SubjectErasedException if the subject was shredded
   */
  Optional<SubjectKey> key(SubjectHash subject, long dekId);

  /**
   * How long {@link #key} may serve a subject's entry from its cache; a shred made elsewhere is
   * seen by this registry at most this long after it. Readers that keep keys open longer (open-key
   * caches) look each subject key up again after this long. Zero: every lookup reads the store.
   */
  default java.time.Duration cacheTtl() {
    return java.time.Duration.ZERO;
  }

  /** Whether the subject was shredded (reads the store, not the cache). */
  boolean erased(SubjectHash subject);

  /**
   * Destroys every key of the subject: records that it is erased, then rewrites the subject's
   * bucket without its wrapped keys and deletes the files that held them, and evicts it from this
   * registry's cache. Idempotent: a rerun after a crash at any point finishes the job.
   */
  ShredResult shred(SubjectHash subject);

  /**
   * Merges each bucket's files into one, dropping the wrapped keys of erased subjects; returns the
   * number of files removed.
   */
  int compact();

  /**
   * Hands every wrapped key stored in the subject area to {@code action}, file by file: a key
   * stored twice (a rewrite interrupted before it deleted the files it replaced) is handed over
   * twice, so what still references an old master key version is never undercounted.
   */
  void forEachStoredKey(Consumer<SubjectKey> action);

  /**
   * Replaces stored wrappings, bucket by bucket: every bucket holding a key that {@code stale}
   * selects is rewritten as one segment with those keys replaced by {@code rewrap}'s output (same
   * order, same DEKs), then the files it replaces are deleted, as {@link #compact} does. A bucket
   * whose {@code rewrap} call throws is left as it was and reported to {@code problems}; the run
   * goes on, and a rerun picks up exactly what is still stale.
   *
   * @param dryRun only count
   */
  KeyRewrapResult rewrapKeys(
      Predicate<WrappedKey> stale,
      UnaryOperator<List<WrappedKey>> rewrap,
      boolean dryRun,
      Consumer<String> problems);

  @Override
  void close();

  /**
   * What {@link #rewrapKeys} did.
   *
   * @param keys distinct keys looked at (of subjects not erased)
   * @param stale of those, the ones {@code stale} selected
   * @param rewrapped keys written back rewrapped
   * @param failed stale keys left as they were (their bucket failed)
   */
  record KeyRewrapResult(long keys, long stale, long rewrapped, long failed) {}

  /**
   * What {@link #shred} did.
   *
   * @param subject the subject
   * @param keysDestroyed wrapped keys removed from storage by this call
   * @param alreadyErased the subject was marked erased before this call
   * @param filesRemoved files deleted (the bucket's previous files)
   */
  record ShredResult(
      SubjectHash subject, int keysDestroyed, boolean alreadyErased, int filesRemoved) {}
}
