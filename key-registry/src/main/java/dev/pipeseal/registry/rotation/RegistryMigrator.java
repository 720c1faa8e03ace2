package dev.pipeseal.registry.rotation;

import dev.pipeseal.kms.KeyMigration;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryConflictException;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.kms.registry.SubjectKeyRegistry.KeyRewrapResult;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Moves every registry record whose DEK is wrapped by another provider than the one {@code kms}
 * writes with ({@link KeyMigration#moveTo}: unwrap by the old provider, wrap by the new one, same
 * DEK), publishing each result as a new record generation. Record ids, and so every cell that
 * references them, stay the same. A record that fails is counted and reported and the run goes on;
 * a rerun picks up exactly the records still elsewhere. Reported like a rewrap: {@code stale} are
 * records elsewhere, {@code rewrapped} those moved, {@code current} those already on the target.
 */
public final class RegistryMigrator {
  private final Kms kms;
  private final KeyRegistry registry;
  private final String keyFilter;
  private final boolean dryRun;
  private final Consumer<String> problems;
  private final Map<String, Long> elsewhereByKey = new TreeMap<>();
  private final Map<String, Boolean> targetHasKey = new TreeMap<>();
  private long scanned;
  private long current;
  private long elsewhere;
  private long moved;
  private long failed;
  private long skipped;
  private SubjectKeyRegistry subjects;

  /**
   * @param keyFilter only records of this master key, or null for all
   * @param problems receives one line per record that failed (never key material)
   */
  public RegistryMigrator(
      Kms kms, KeyRegistry registry, String keyFilter, boolean dryRun, Consumer<String> problems) {
    this.kms = kms;
    this.registry = registry;
    this.keyFilter = keyFilter;
    this.dryRun = dryRun;
    this.problems = problems;
  }

  /**
   * Also moves the subject keys of the registry's crypto-shredding area, after the records: left
   * behind, they would die with the old KMS.
   */
  public RegistryMigrator withSubjects(SubjectKeyRegistry subjects) {
    this.subjects = subjects;
    return this;
  }

  /** Scans the whole registry once; safe to rerun. */
  public RewrapReport run() {
    Iterator<KeyId> ids = registry.ids().iterator();
    while (ids.hasNext()) {
      visit(ids.next());
    }
    KeyRewrapResult subjectKeys =
        subjects == null
            ? null
            : subjects.rewrapKeys(
                w ->
                    (keyFilter == null || keyFilter.equals(w.masterKeyName()))
                        && KeyMigration.needed(kms, w),
                this::moveAll,
                dryRun,
                problems);
    return new RewrapReport(
        scanned, current, elsewhere, moved, failed, skipped, elsewhereByKey, subjectKeys);
  }

  private List<WrappedKey> moveAll(List<WrappedKey> keys) {
    List<WrappedKey> out = new ArrayList<>(keys.size());
    for (WrappedKey w : keys) {
      checkTarget(w.masterKeyName());
      out.add(KmsCalls.await(KeyMigration.moveTo(kms, w)));
    }
    return out;
  }

  private void visit(KeyId id) {
    scanned++;
    RegistryRecord record;
    try {
      record = registry.read(id).orElse(null);
    } catch (RegistryException e) {
      fail(id, e);
      return;
    }
    if (record == null) {
      scanned--; // removed since the listing
      return;
    }
    WrappedKey w = record.wrapped();
    if (keyFilter != null && !keyFilter.equals(w.masterKeyName())) {
      skipped++;
      return;
    }
    if (!KeyMigration.needed(kms, w)) {
      current++;
      return;
    }
    elsewhere++;
    elsewhereByKey.merge(w.masterKeyName(), 1L, Long::sum);
    try {
      // Fail closed before any write: the target must have the key and answer.
      checkTarget(w.masterKeyName());
      if (dryRun) {
        return;
      }
      WrappedKey next = KmsCalls.await(KeyMigration.moveTo(kms, w));
      registry.replace(record, next);
      moved++;
    } catch (RegistryConflictException e) {
      // Another writer got there first; fine if it left the record on the target.
      if (isNowMoved(id)) {
        moved++;
      } else {
        fail(id, e);
      }
    } catch (KmsException | RegistryException e) {
      fail(id, e);
    }
  }

  private void checkTarget(String masterKeyName) {
    if (!targetHasKey.containsKey(masterKeyName)) {
      KmsCalls.await(kms.describe(masterKeyName));
      targetHasKey.put(masterKeyName, true);
    }
  }

  private boolean isNowMoved(KeyId id) {
    try {
      RegistryRecord now = registry.read(id).orElse(null);
      return now != null && !KeyMigration.needed(kms, now.wrapped());
    } catch (RegistryException e) {
      return false;
    }
  }

  private void fail(KeyId id, RuntimeException e) {
    failed++;
    problems.accept("record " + id + ": " + e.getMessage());
  }
}
