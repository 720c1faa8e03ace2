package dev.pipeseal.registry;

import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.SubjectErasedException;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.registry.SubjectSegment.Entry;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link SubjectKeyRegistry} over a {@link RegistryStore}: subjects are spread over {@value
 * SubjectSegment#BUCKETS} buckets by their hash; each bucket is a directory of immutable segment
 * files ({@link SubjectSegment}) whose union is the bucket's content. Creating keys publishes one
 * new segment per touched bucket; shredding publishes the bucket rewritten with an erasure entry
 * and without the subject's keys, then deletes the files it replaces; compaction does the same
 * without a new erasure. Every step publishes a complete file or removes one whose content is
 * contained in a published file, so a crash leaves a state a rerun finishes (docs/format.md).
 */
final class SegmentSubjectRegistry implements SubjectKeyRegistry {
  static final String SUBJECTS = "subjects";
  static final String SUFFIX = ".seg";

  /** Past this many files, a writer compacts the bucket it just added to. */
  static final int COMPACT_AT = 16;

  private static final int MAX_READ_ATTEMPTS = 8;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What happens between the steps of a shred; tests inject crashes here. */
  interface Steps {
    Steps NONE = step -> {};

    /** Called after {@code step} ("published", "deleted") completed. */
    void after(String step) throws IOException;
  }

  /** A subject's state in one bucket: its keys, and when it was erased (null if it was not). */
  record SubjectState(List<SubjectKey> keys, Instant erasedAt) {}

  /** A bucket as read: its files and its merged entries. */
  private record Bucket(List<String> files, Map<SubjectHash, SubjectState> subjects) {}

  private final RegistryStore store;
  private final RecordCache<SubjectHash, SubjectState> cache;
  private final Steps steps;
  private final Duration cacheTtl;

  SegmentSubjectRegistry(RegistryStore store, int cacheSize, Duration cacheTtl, Steps steps) {
    this.store = Objects.requireNonNull(store, "store");
    // A zero TTL means every read goes to the store: no cache at all, not one without expiry.
    this.cache =
        new RecordCache<>(cacheTtl.isZero() ? 0 : cacheSize, cacheTtl.toNanos(), System::nanoTime);
    this.steps = Objects.requireNonNull(steps, "steps");
    this.cacheTtl = cacheTtl;
  }

  @Override
  public Duration cacheTtl() {
    return cache.enabled() ? cacheTtl : Duration.ZERO;
  }

  String location() {
    return store.location();
  }

  private static String dir(int bucket) {
    return SUBJECTS + "/" + SubjectSegment.bucketName(bucket);
  }

  private Bucket readBucket(int bucket) {
    try {
      for (int attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
        List<String> files = new ArrayList<>();
        for (String f : store.listFiles(dir(bucket))) {
          if (f.endsWith(SUFFIX)) {
            files.add(f);
          }
        }
        Map<SubjectHash, SubjectState> merged = new HashMap<>();
        boolean vanished = false;
        for (String f : files) {
          Optional<byte[]> content = store.readFile(dir(bucket) + "/" + f);
          if (content.isEmpty()) {
            vanished = true; // compacted between listing and reading: list again
            break;
          }
          for (Entry e :
              SubjectSegment.decode(location(), dir(bucket) + "/" + f, bucket, content.get())) {
            merge(merged, e);
          }
        }
        if (!vanished) {
          return new Bucket(files, merged);
        }
      }
    } catch (IOException e) {
      throw new RegistryException(location(), null, "cannot read subject bucket " + dir(bucket), e);
    }
    throw new RegistryException(
        location(),
        null,
        "subject bucket " + dir(bucket) + " keeps changing under compaction",
        null);
  }

  private static void merge(Map<SubjectHash, SubjectState> merged, Entry e) {
    SubjectState old = merged.get(e.subject());
    List<SubjectKey> keys = old == null ? new ArrayList<>() : new ArrayList<>(old.keys());
    Instant erased = old == null ? null : old.erasedAt();
    if (e.type() == SubjectSegment.KEY) {
      if (keys.stream().noneMatch(k -> k.dekId() == e.key().dekId())) {
        keys.add(e.key());
      }
    } else if (erased == null || e.erasedAt().isBefore(erased)) {
      erased = e.erasedAt();
    }
    merged.put(e.subject(), new SubjectState(List.copyOf(keys), erased));
  }

  /** The subject's state, from the cache or its bucket; null if the subject is unknown. */
  private SubjectState state(SubjectHash subject) {
    SubjectState cached = cache.get(subject);
    if (cached != null) {
      return cached;
    }
    SubjectState s = readBucket(SubjectSegment.bucket(subject)).subjects().get(subject);
    if (s != null) {
      cache.put(subject, s);
    }
    return s;
  }

  @Override
  public Optional<SubjectKey> key(SubjectHash subject, long dekId) {
    Objects.requireNonNull(subject, "subject");
    SubjectState s = state(subject);
    if (s != null && s.keys().stream().noneMatch(k -> k.dekId() == dekId)) {
      // A key made since we cached this subject (a racing writer): read again once.
      cache.remove(subject);
      s = state(subject);
    }
    if (s == null) {
      return Optional.empty();
    }
    if (s.erasedAt() != null) {
      throw new SubjectErasedException(location(), subject, s.erasedAt());
    }
    return s.keys().stream().filter(k -> k.dekId() == dekId).findFirst();
  }

  @Override
  public boolean erased(SubjectHash subject) {
    SubjectState s = readBucket(SubjectSegment.bucket(subject)).subjects().get(subject);
    return s != null && s.erasedAt() != null;
  }

  /** Writers converge on one key: the oldest, then the lowest id. */
  private static SubjectKey current(SubjectState s) {
    SubjectKey best = null;
    for (SubjectKey k : s.keys()) {
      if (best == null
          || k.created().isBefore(best.created())
          || (k.created().equals(best.created())
              && Long.compareUnsigned(k.dekId(), best.dekId()) < 0)) {
        best = k;
      }
    }
    return best;
  }

  @Override
  public Map<SubjectHash, SubjectKey> keysFor(
      Collection<SubjectHash> subjects, Supplier<WrappedKey> generate) {
    Map<SubjectHash, SubjectKey> out = new LinkedHashMap<>();
    Map<Integer, List<SubjectHash>> missing = new HashMap<>();
    for (SubjectHash s : new LinkedHashSet<>(subjects)) {
      SubjectState cached = cache.get(s);
      if (cached != null && cached.erasedAt() == null && !cached.keys().isEmpty()) {
        out.put(s, current(cached));
      } else if (cached == null || cached.erasedAt() == null) {
        missing.computeIfAbsent(SubjectSegment.bucket(s), b -> new ArrayList<>()).add(s);
      }
    }
    for (Map.Entry<Integer, List<SubjectHash>> m : missing.entrySet()) {
      int bucket = m.getKey();
      Bucket current = readBucket(bucket);
      List<Entry> created = new ArrayList<>();
      for (SubjectHash s : m.getValue()) {
        SubjectState st = current.subjects().get(s);
        if (st != null) {
          cache.put(s, st);
          if (st.erasedAt() == null && !st.keys().isEmpty()) {
            out.put(s, current(st));
          }
          continue;
        }
        SubjectKey k = new SubjectKey(s, RANDOM.nextLong(), now(), generate.get());
        created.add(Entry.key(k));
      }
      if (created.isEmpty()) {
        continue;
      }
      publish(bucket, created);
      for (Entry e : created) {
        cache.put(e.subject(), new SubjectState(List.of(e.key()), null));
        out.put(e.subject(), e.key());
      }
      if (current.files().size() + 1 >= COMPACT_AT) {
        compactBucket(bucket, null);
      }
    }
    return out;
  }

  private String publish(int bucket, List<Entry> entries) {
    byte[] bytes = SubjectSegment.encode(bucket, entries);
    try {
      for (int attempt = 0; attempt < 8; attempt++) {
        String name = newSegmentName();
        if (store.createFileIfAbsent(dir(bucket) + "/" + name, bytes)) {
          return name;
        }
      }
    } catch (IOException e) {
      throw new RegistryException(
          location(), null, "cannot publish a segment in " + dir(bucket), e);
    }
    throw new RegistryException(
        location(), null, "no free segment name; is randomness broken?", null);
  }

  /** Segments store milliseconds; so does everything this registry hands out. */
  private static Instant now() {
    return Instant.ofEpochMilli(System.currentTimeMillis());
  }

  private static String newSegmentName() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b) + SUFFIX;
  }

  @Override
  public ShredResult shred(SubjectHash subject) {
    Objects.requireNonNull(subject, "subject");
    cache.remove(subject);
    int bucket = SubjectSegment.bucket(subject);
    Bucket before = readBucket(bucket);
    SubjectState s = before.subjects().get(subject);
    boolean alreadyErased = s != null && s.erasedAt() != null;
    int keys = s == null ? 0 : s.keys().size();
    int removed = 0;
    // An interrupted shred may have left the erased mark beside files it meant to delete: finish.
    if (!alreadyErased || keys > 0 || before.files().size() > 1) {
      removed = compactBucket(bucket, subject);
    }
    cache.remove(subject);
    return new ShredResult(subject, keys, alreadyErased, removed);
  }

  /**
   * Rewrites one bucket as a single segment, with {@code erase} (if not null) marked erased, and
   * without the keys of erased subjects; then deletes the files it read. Returns files deleted.
   */
  private int compactBucket(int bucket, SubjectHash erase) {
    Bucket b = readBucket(bucket);
    List<Entry> entries = new ArrayList<>();
    boolean dropsKeys = false;
    for (Map.Entry<SubjectHash, SubjectState> e : b.subjects().entrySet()) {
      SubjectState st = e.getValue();
      Instant erasedAt = st.erasedAt();
      if (e.getKey().equals(erase) && erasedAt == null) {
        erasedAt = now();
      }
      if (erasedAt != null) {
        entries.add(Entry.erased(e.getKey(), erasedAt));
        dropsKeys |= !st.keys().isEmpty();
      } else {
        st.keys().forEach(k -> entries.add(Entry.key(k)));
      }
    }
    if (erase != null && !b.subjects().containsKey(erase)) {
      entries.add(Entry.erased(erase, now()));
    } else if (erase == null && b.files().size() < 2 && !dropsKeys) {
      return 0; // already one file holding nothing to drop
    }
    try {
      publish(bucket, entries);
      steps.after("published");
      int removed = 0;
      for (String f : b.files()) {
        store.deleteFile(dir(bucket) + "/" + f);
        removed++;
        steps.after("deleted");
      }
      return removed;
    } catch (IOException e) {
      throw new RegistryException(location(), null, "cannot compact " + dir(bucket), e);
    }
  }

  @Override
  public int compact() {
    int removed = 0;
    for (int bucket = 0; bucket < SubjectSegment.BUCKETS; bucket++) {
      removed += compactBucket(bucket, null);
    }
    return removed;
  }

  @Override
  public void close() {
    try {
      store.close();
    } catch (IOException e) {
      throw new RegistryException(location(), null, "cannot close", e);
    }
  }

  @Override
  public String toString() {
    return "SubjectKeyRegistry[" + location() + "]";
  }
}
