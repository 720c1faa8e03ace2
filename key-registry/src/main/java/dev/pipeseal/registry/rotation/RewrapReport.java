package dev.pipeseal.registry.rotation;

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
 */
public record RewrapReport(
    long scanned,
    long current,
    long stale,
    long rewrapped,
    long failed,
    long skipped,
    Map<String, Long> staleByKey) {
  public RewrapReport {
    staleByKey = Map.copyOf(staleByKey);
  }

  /** Nothing failed. */
  public boolean complete() {
    return failed == 0;
  }

  /** Some records failed and some were done (or already current). */
  public boolean partial(boolean dryRun) {
    return failed > 0 && current + rewrapped + (dryRun ? stale : 0) > 0;
  }
}
