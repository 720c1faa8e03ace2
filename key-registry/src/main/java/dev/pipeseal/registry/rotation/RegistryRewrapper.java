package dev.pipeseal.registry.rotation;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryConflictException;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.kms.registry.SubjectKeyRegistry.KeyRewrapResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Rewraps every registry record whose master key version is not current, in batches through {@link
 * Kms#rewrapAll}, publishing each result as a new record generation. A record that fails is counted
 * and reported, and the run goes on; a rerun picks up exactly what is still stale.
 */
public final class RegistryRewrapper {
  private static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);

  private final Kms kms;
  private final KeyRegistry registry;
  private final String keyFilter;
  private final boolean dryRun;
  private final int batchSize;
  private final Consumer<String> problems;

  private final Map<String, String> currentVersions = new HashMap<>();
  private final Map<String, Long> staleByKey = new TreeMap<>();
  private final List<RegistryRecord> batch = new ArrayList<>();
  private long scanned;
  private long current;
  private long stale;
  private long rewrapped;
  private long failed;
  private long skipped;
  private SubjectKeyRegistry subjects;

  /**
   * @param keyFilter only records of this master key, or null for all
   * @param problems receives one line per record that failed (never key material)
   */
  public RegistryRewrapper(
      Kms kms,
      KeyRegistry registry,
      String keyFilter,
      boolean dryRun,
      int batchSize,
      Consumer<String> problems) {
    this.kms = kms;
    this.registry = registry;
    this.keyFilter = keyFilter;
    this.dryRun = dryRun;
    this.batchSize = batchSize;
    this.problems = problems;
  }

  /**
   * Also rewraps the subject keys of the registry's crypto-shredding area, after the records: a
   * master key version they still use could otherwise never be retired.
   */
  public RegistryRewrapper withSubjects(SubjectKeyRegistry subjects) {
    this.subjects = subjects;
    return this;
  }

  /** Scans the whole registry once; safe to rerun (only stale records are touched). */
  public RewrapReport run() {
    Iterator<KeyId> ids = registry.ids().iterator();
    while (ids.hasNext()) {
      visit(ids.next());
    }
    flush();
    KeyRewrapResult subjectKeys =
        subjects == null
            ? null
            : subjects.rewrapKeys(this::staleSubjectKey, this::rewrapAll, dryRun, problems);
    return new RewrapReport(
        scanned, current, stale, rewrapped, failed, skipped, staleByKey, subjectKeys);
  }

  /** Throws a {@link KmsException} when the current version cannot be learnt: that bucket fails. */
  private boolean staleSubjectKey(WrappedKey w) {
    return (keyFilter == null || keyFilter.equals(w.masterKeyName()))
        && kms.providerId().equals(w.provider())
        && !currentVersion(w.masterKeyName()).equals(w.masterKeyVersion());
  }

  private List<WrappedKey> rewrapAll(List<WrappedKey> keys) {
    List<WrappedKey> out = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i += batchSize) {
      out.addAll(
          await(
              kms.rewrapAll(keys.subList(i, Math.min(keys.size(), i + batchSize)))
                  .toCompletableFuture()));
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
    if ((keyFilter != null && !keyFilter.equals(w.masterKeyName()))
        || !kms.providerId().equals(w.provider())) {
      skipped++;
      return;
    }
    String currentVersion;
    try {
      currentVersion = currentVersion(w.masterKeyName());
    } catch (KmsException e) {
      fail(id, e);
      return;
    }
    if (currentVersion.equals(w.masterKeyVersion())) {
      current++;
      return;
    }
    stale++;
    staleByKey.merge(w.masterKeyName(), 1L, Long::sum);
    if (!dryRun) {
      batch.add(record);
      if (batch.size() >= batchSize) {
        flush();
      }
    }
  }

  private String currentVersion(String name) {
    String v = currentVersions.get(name);
    if (v == null) {
      v = await(kms.describe(name).toCompletableFuture()).currentVersion();
      currentVersions.put(name, v);
    }
    return v;
  }

  private void flush() {
    if (batch.isEmpty()) {
      return;
    }
    List<WrappedKey> input = batch.stream().map(RegistryRecord::wrapped).toList();
    List<WrappedKey> output = null;
    try {
      output = await(kms.rewrapAll(input).toCompletableFuture());
    } catch (KmsException e) {
      // One bad record fails the whole batch call; retry one by one to isolate it.
    }
    for (int i = 0; i < batch.size(); i++) {
      RegistryRecord record = batch.get(i);
      try {
        WrappedKey next =
            output != null
                ? output.get(i)
                : await(kms.rewrap(record.wrapped()).toCompletableFuture());
        if (next.equals(record.wrapped())) {
          current++; // rotated past our cached version meanwhile; nothing to write
        } else {
          registry.replace(record, next);
          rewrapped++;
        }
      } catch (RegistryConflictException e) {
        // Another rewrap got there first; fine if it left the record current.
        if (!isNowCurrent(record.id())) {
          fail(record.id(), e);
        } else {
          current++;
        }
      } catch (KmsException | RegistryException e) {
        fail(record.id(), e);
      }
    }
    batch.clear();
  }

  private boolean isNowCurrent(KeyId id) {
    try {
      RegistryRecord now = registry.read(id).orElse(null);
      return now != null
          && now.wrapped()
              .masterKeyVersion()
              .equals(currentVersions.get(now.wrapped().masterKeyName()));
    } catch (RegistryException e) {
      return false;
    }
  }

  private void fail(KeyId id, RuntimeException e) {
    failed++;
    // The storage or KMS cause ("No space left on device") is what the operator acts on; our
    // exceptions and their causes carry no key material.
    Throwable cause = e.getCause();
    problems.accept(
        "record "
            + id
            + ": "
            + e.getMessage()
            + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()));
  }

  private <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof KmsException k) {
        throw k;
      }
      throw new KmsException(kms.providerId(), null, "KMS call failed: " + cause, cause);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new KmsException(kms.providerId(), null, "KMS call timed out after " + CALL_TIMEOUT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KmsException(kms.providerId(), null, "interrupted", e);
    }
  }
}
