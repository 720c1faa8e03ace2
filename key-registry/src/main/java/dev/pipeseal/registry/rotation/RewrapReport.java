package dev.pipeseal.registry.rotation;

import dev.pipeseal.kms.registry.SubjectKeyRegistry.KeyRewrapResult;
import java.util.Map;

/**
 * What a rewrap run saw and did.
 *
 * @param scanned records read from the registry (including those that failed to read)
 * @param current records already under their master key's current version
 * @param stale records under an older version (rewrapped, or to be rewrapped in a dry run)
 * @param rewrapped records for which a new generation was published
 * @param failed records that could not be read, rewrapped or written
 * @param skipped records of another provider or another key than {@code --key}
 * @param staleByKey stale records per master key name
 * @param subjectKeys what happened to the subject keys (crypto-shredding area), or null if they
 *     were not looked at
 */
public record RewrapReport(
    long scanned,
    long current,
    long stale,
    long rewrapped,
    long failed,
    long skipped,
    Map<String, Long> staleByKey,
    KeyRewrapResult subjectKeys) {
  public RewrapReport {
    staleByKey = Map.copyOf(staleByKey);
  }

  /** A report on registry records only. */
  public RewrapReport(
      long scanned,
      long current,
      long stale,
      long rewrapped,
      long failed,
      long skipped,
      Map<String, Long> staleByKey) {
    this(scanned, current, stale, rewrapped, failed, skipped, staleByKey, null);
  }

  /** Nothing failed, records or subject keys. */
  public boolean complete() {
    return failed == 0 && (subjectKeys == null || subjectKeys.failed() == 0);
  }

  /** Some records or subject keys failed and some were done (or already current). */
  public boolean partial(boolean dryRun) {
    long subjectsDone =
        subjectKeys == null
            ? 0
            : subjectKeys.keys()
                - subjectKeys.stale()
                + subjectKeys.rewrapped()
                + (dryRun ? subjectKeys.stale() : 0);
    return !complete() && current + rewrapped + (dryRun ? stale : 0) + subjectsDone > 0;
  }
}
