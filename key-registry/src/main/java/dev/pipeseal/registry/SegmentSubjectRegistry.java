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
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

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

  /** Batches touching at least this many buckets read and publish them in parallel. */
  static final int PARALLEL_FROM = 16;

  /**
   * Threads of one large batch: publishing is bound by {@code fsync} latency, not CPU, so a few
   * files in flight at once multiply throughput on local disks and object stores alike.
   */
  static final int PUBLISH_THREADS = 8;

  private static final int MAX_READ_ATTEMPTS = 8;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What happens between the steps of a shred; tests inject crashes here. */
  interface Steps {
    Steps NONE = step -> {};

    /**
     * Called after {@code step} completed: "batch-read" (a batch read its buckets), "shred-read" (a
     * shred read the bucket it rewrites), "published", "deleted".
     */
    void after(String step) throws IOException;
  }

  /** A subject's state in one bucket: its keys, and when it was erased (null if it was not). */
  record SubjectState(List<SubjectKey> keys, Instant erasedAt) {}

  /** A bucket as read: its files, their entries as stored, and the entries merged. */
  private record Bucket(
      List<String> files, List<Entry> stored, Map<SubjectHash, SubjectState> subjects) {}

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
        List<Entry> stored = new ArrayList<>();
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
            stored.add(e);
          }
        }
        if (!vanished) {
          return new Bucket(files, stored, merged);
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
    Bucket b = readBucket(SubjectSegment.bucket(subject));
    cacheBucket(b);
    SubjectState s = b.subjects().get(subject);
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

  /** The subject's state as stored now, bypassing the cache; null if unknown. For tests. */
  SubjectState stateOf(SubjectHash subject) {
    return readBucket(SubjectSegment.bucket(subject)).subjects().get(subject);
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
    Map<Integer, List<SubjectHash>> missing = new TreeMap<>();
    for (SubjectHash s : new LinkedHashSet<>(subjects)) {
      SubjectState cached = cache.get(s);
      if (cached != null && cached.erasedAt() == null && !cached.keys().isEmpty()) {
        out.put(s, current(cached));
      } else if (cached == null || cached.erasedAt() == null) {
        missing.computeIfAbsent(SubjectSegment.bucket(s), b -> new ArrayList<>()).add(s);
      }
    }
    if (missing.isEmpty()) {
      return out;
    }
    List<Integer> buckets = new ArrayList<>(missing.keySet());
    // 1. Read every touched bucket once (in parallel: on a file system this is I/O wait).
    Map<Integer, Bucket> read = new ConcurrentHashMap<>();
    forEachBucket(buckets, b -> read.put(b, readBucket(b)));
    after("batch-read");
    // 2. Keys for the subjects no bucket knows, made on the caller's thread (the generator may
    // rely on thread-bound state, such as the audit context).
    Map<Integer, List<Entry>> created = new TreeMap<>();
    for (int bucket : buckets) {
      Bucket current = read.get(bucket);
      cacheBucket(current);
      for (SubjectHash s : missing.get(bucket)) {
        SubjectState st = current.subjects().get(s);
        if (st != null) {
          cache.put(s, st);
          if (st.erasedAt() == null && !st.keys().isEmpty()) {
            out.put(s, current(st));
          }
          continue;
        }
        SubjectKey k = new SubjectKey(s, RANDOM.nextLong(), now(), generate.get());
        created.computeIfAbsent(bucket, x -> new ArrayList<>()).add(Entry.key(k));
      }
    }
    // 3. One segment per bucket, each published atomically, then checked against shreds that
    // raced it (below); keys of subjects erased meanwhile are dropped, never handed out.
    Map<Integer, List<Entry>> kept = new ConcurrentHashMap<>();
    forEachBucket(
        new ArrayList<>(created.keySet()),
        bucket -> kept.put(bucket, publishChecked(bucket, read.get(bucket), created.get(bucket))));
    for (List<Entry> entries : kept.values()) {
      for (Entry e : entries) {
        out.put(e.subject(), e.key());
      }
    }
    return out;
  }

  /**
   * Publishes {@code created} in {@code bucket} and returns the entries still valid. A shred of one
   * of these subjects that read the bucket before this publish does not see the new key, so its
   * rewrite would leave it behind; such a shred published a file this writer has not read. So: list
   * the bucket again, and if any file appeared besides ours, read it, drop the keys of subjects now
   * erased (compacting the bucket, which deletes them from storage), and hand out only the rest. A
   * shred that reads the bucket after this publish sees the key and destroys it itself, and
   * rechecks its bucket once more after deleting (see {@link #shred}).
   */
  private List<Entry> publishChecked(int bucket, Bucket before, List<Entry> created) {
    String mine = publish(bucket, created);
    Set<String> known = new HashSet<>(before.files());
    known.add(mine);
    List<Entry> valid = created;
    boolean compact = before.files().size() + 1 >= COMPACT_AT;
    List<String> listed = listSegments(bucket);
    if (!known.containsAll(listed) || !listed.contains(mine)) {
      Bucket now = readBucket(bucket);
      valid = new ArrayList<>();
      for (Entry e : created) {
        SubjectState st = now.subjects().get(e.subject());
        if (st != null && st.erasedAt() != null) {
          compact = true; // deletes the key we just published
          cache.put(e.subject(), st);
        } else {
          valid.add(e);
        }
      }
    }
    for (Entry e : valid) {
      cache.putUnless(
          e.subject(),
          new SubjectState(List.of(e.key()), null),
          (old, neu) -> old.erasedAt() != null);
    }
    if (compact) {
      compactBucket(bucket, null);
    }
    return valid;
  }

  private List<String> listSegments(int bucket) {
    try {
      List<String> files = new ArrayList<>();
      for (String f : store.listFiles(dir(bucket))) {
        if (f.endsWith(SUFFIX)) {
          files.add(f);
        }
      }
      return files;
    } catch (IOException e) {
      throw new RegistryException(location(), null, "cannot list subject bucket " + dir(bucket), e);
    }
  }

  private void after(String step) {
    try {
      steps.after(step);
    } catch (IOException e) {
      throw new RegistryException(location(), null, "interrupted after " + step, e);
    }
  }

  /**
   * Caches every subject of a bucket just read when the cache could hold half of all buckets at
   * this size: a task meeting many subjects of a modest registry then reads each bucket once, not
   * once per subject. For larger registries a whole bucket would mostly push out entries still in
   * use, so only the asked-for subjects are cached.
   */
  private void cacheBucket(Bucket b) {
    if (cache.enabled()
        && (long) b.subjects().size() * SubjectSegment.BUCKETS / 2 <= cache.capacity()) {
      b.subjects().forEach(cache::put);
    }
  }

  /** Runs {@code task} for each bucket; batches touching many buckets use a few threads. */
  private void forEachBucket(List<Integer> buckets, IntConsumer task) {
    if (buckets.size() < PARALLEL_FROM) {
      buckets.forEach(task::accept);
      return;
    }
    int threads = Math.min(PUBLISH_THREADS, buckets.size());
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "pipeseal-subject-buckets");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int bucket : buckets) {
        futures.add(pool.submit(() -> task.accept(bucket)));
      }
      RuntimeException failure = null;
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          if (failure == null) {
            failure =
                e.getCause() instanceof RuntimeException re
                    ? re
                    : new RegistryException(location(), null, "subject batch failed", e.getCause());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new RegistryException(location(), null, "interrupted", e);
        }
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      pool.shutdownNow();
    }
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
      removed = rewrite(bucket, before, subject, Map.of()).removed();
      // A batch that read the bucket before our rewrite may have published a key for this
      // subject since (it checks for us too, see publishChecked): look once more, and rewrite
      // again while any key of the erased subject is still stored. (This recheck, not the
      // settling compaction does, so the keys it destroys are counted.)
      for (int attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
        SubjectState after = readBucket(bucket).subjects().get(subject);
        if (after == null || after.keys().isEmpty()) {
          break;
        }
        keys += after.keys().size();
        removed += compactBucket(bucket, null);
      }
    }
    cache.remove(subject);
    return new ShredResult(subject, keys, alreadyErased, removed);
  }

  /**
   * After a publish into {@code bucket}, whose files were then {@code expected}: if another writer
   * published there meanwhile, a key may now sit beside an erasure of its subject (a key made, or a
   * bucket compacted from files read, just before a shred). Reads already refuse such a key (the
   * erasure wins), but it must not stay stored: the bucket is rewritten until no erased subject
   * keeps a key. Every publisher checks after its own publish, so of two racing ones the later
   * check sees both files.
   *
   * @return the bucket as last read, or null if nobody else had published (nothing was read)
   */
  private Bucket settle(int bucket, Set<String> expected) {
    Bucket last = null;
    for (int attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
      if (new HashSet<>(segments(bucket)).equals(expected)) {
        return last;
      }
      last = readBucket(bucket);
      if (last.subjects().values().stream()
          .noneMatch(st -> st.erasedAt() != null && !st.keys().isEmpty())) {
        return last;
      }
      Rewrite r = rewrite(bucket, last, null, Map.of());
      expected = r.published() == null ? Set.copyOf(last.files()) : Set.of(r.published());
    }
    // Still racing: the erasures win on every read, and the next compaction drops the keys.
    return last == null ? readBucket(bucket) : last;
  }

  private List<String> segments(int bucket) {
    try {
      List<String> files = new ArrayList<>();
      for (String f : store.listFiles(dir(bucket))) {
        if (f.endsWith(SUFFIX)) {
          files.add(f);
        }
      }
      return files;
    } catch (IOException e) {
      throw new RegistryException(location(), null, "cannot list subject bucket " + dir(bucket), e);
    }
  }

  /** A bucket rewrite: the segment it published (null if none was needed) and files deleted. */
  private record Rewrite(String published, int removed) {}

  /**
   * Rewrites one bucket as a single segment, with {@code erase} (if not null) marked erased, and
   * without the keys of erased subjects; then deletes the files it read, and settles the bucket
   * against writers that published meanwhile. Returns files deleted.
   */
  private int compactBucket(int bucket, SubjectHash erase) {
    Rewrite r = rewrite(bucket, readBucket(bucket), erase, Map.of());
    if (r.published() == null) {
      return 0;
    }
    settle(bucket, Set.of(r.published()));
    return r.removed();
  }

  /**
   * Publishes {@code b} as one segment, with {@code erase} (if not null) marked erased, without the
   * keys of erased subjects and with the wrappings in {@code replaced} swapped in; then deletes the
   * files {@code b} was read from. Publishes nothing when that would change nothing.
   */
  private Rewrite rewrite(
      int bucket, Bucket b, SubjectHash erase, Map<SubjectKey, WrappedKey> replaced) {
    boolean dropsKeys = false;
    List<Entry> entries = new ArrayList<>();
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
        for (SubjectKey k : st.keys()) {
          WrappedKey w = replaced.get(k);
          entries.add(
              Entry.key(w == null ? k : new SubjectKey(k.subject(), k.dekId(), k.created(), w)));
        }
      }
    }
    if (erase != null && !b.subjects().containsKey(erase)) {
      entries.add(Entry.erased(erase, now()));
    } else if (erase == null && b.files().size() < 2 && !dropsKeys && replaced.isEmpty()) {
      return new Rewrite(null, 0); // already one file holding nothing to drop
    }
    try {
      if (erase != null) {
        steps.after("shred-read");
      }
      String published = publish(bucket, entries);
      steps.after("published");
      int removed = 0;
      for (String f : b.files()) {
        store.deleteFile(dir(bucket) + "/" + f);
        removed++;
        steps.after("deleted");
      }
      return new Rewrite(published, removed);
    } catch (IOException e) {
      throw new RegistryException(location(), null, "cannot compact " + dir(bucket), e);
    }
  }

  @Override
  public void forEachStoredKey(Consumer<SubjectKey> action) {
    for (int bucket = 0; bucket < SubjectSegment.BUCKETS; bucket++) {
      for (Entry e : readBucket(bucket).stored()) {
        if (e.type() == SubjectSegment.KEY) {
          action.accept(e.key());
        }
      }
    }
  }

  @Override
  public KeyRewrapResult rewrapKeys(
      Predicate<WrappedKey> stale,
      UnaryOperator<List<WrappedKey>> rewrap,
      boolean dryRun,
      Consumer<String> problems) {
    long keys = 0;
    long staleKeys = 0;
    long rewrapped = 0;
    long failed = 0;
    for (int bucket = 0; bucket < SubjectSegment.BUCKETS; bucket++) {
      Bucket b = readBucket(bucket);
      int live = 0;
      List<SubjectKey> toRewrap = new ArrayList<>();
      try {
        for (SubjectState st : b.subjects().values()) {
          if (st.erasedAt() == null) {
            for (SubjectKey k : st.keys()) {
              live++;
              if (stale.test(k.wrapped())) {
                toRewrap.add(k);
              }
            }
          }
        }
        keys += live;
        staleKeys += toRewrap.size();
        // Merging keeps one wrapping per DEK; a stale copy in a file a rewrite did not get to
        // delete still makes the bucket stale, so test what is stored, not only what is merged.
        boolean storedStale =
            !toRewrap.isEmpty()
                || b.stored().stream()
                    .anyMatch(e -> e.type() == SubjectSegment.KEY && stale.test(e.key().wrapped()));
        if (dryRun || !storedStale) {
          continue;
        }
        List<WrappedKey> out =
            toRewrap.isEmpty()
                ? List.of()
                : rewrap.apply(toRewrap.stream().map(SubjectKey::wrapped).toList());
        if (out.size() != toRewrap.size()) {
          throw new IllegalStateException(
              "rewrap returned " + out.size() + " keys for " + toRewrap.size());
        }
        Map<SubjectKey, WrappedKey> replaced = new HashMap<>();
        for (int i = 0; i < out.size(); i++) {
          replaced.put(toRewrap.get(i), out.get(i));
        }
        Rewrite r = rewrite(bucket, b, null, replaced);
        if (r.published() != null) {
          settle(bucket, Set.of(r.published()));
        }
        rewrapped += toRewrap.size();
        toRewrap.forEach(k -> cache.remove(k.subject()));
      } catch (RuntimeException e) {
        failed += Math.max(1, toRewrap.size());
        problems.accept("subject bucket " + dir(bucket) + ": " + e.getMessage() + causeOf(e));
      }
    }
    return new KeyRewrapResult(keys, staleKeys, rewrapped, failed);
  }

  /** The storage or KMS cause is what an operator acts on; neither carries key material. */
  private static String causeOf(RuntimeException e) {
    Throwable c = e.getCause();
    return c == null || c.getMessage() == null ? "" : ": " + c.getMessage();
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
