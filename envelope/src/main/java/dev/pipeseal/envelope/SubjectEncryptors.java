package dev.pipeseal.envelope;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.registry.SubjectErasedException;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The open {@link EnvelopeEncryptor}s of data subjects in one process: a bounded LRU, shared by
 * every task and thread, so a subject met again (in another task, or after a task's own bound
 * evicted it) costs a map lookup instead of a registry lookup, an unwrap and an XAES key setup.
 *
 * <p>Key material stays in the {@link DataKey} each encryptor retains; an evicted or expired entry
 * releases it as soon as no {@link Lease} still uses it, and the key is zeroed when its last holder
 * lets go. Entries live at most {@code ttl} before they are checked against the registry again
 * (normally the registry's {@code subject-cache-ttl}), so a shred made elsewhere stops new
 * encryption for that subject within the same bound as the registry's own cache. Thread-safe.
 */
public final class SubjectEncryptors implements AutoCloseable {
  private final EnvelopeKeys keys;
  private final SubjectKeyRegistry subjects;
  private final int maxEntries;
  private final long ttlNanos;
  private final LongSupplier nanoTime;
  private final Map<Slot, Entry> map;
  private boolean closed;
  private boolean rechecking;
  private long lastRecheck;

  /** Idle writer streams kept per subject (one per task that may meet it at once). */
  static final int MAX_IDLE_WRITERS = 2;

  /** Most expired entries rechecked in one registry call. */
  static final int MAX_RECHECK = 1 << 18;

  private record Slot(SubjectHash subject, Algorithm algorithm) {}

  /** One open encryptor; referenced by the map (until evicted) and by each lease. */
  private static final class Entry {
    final SubjectKey key;
    final EnvelopeEncryptor encryptor;
    final KeyReference reference;
    final AtomicInteger refs = new AtomicInteger(1);
    // Writer streams no lease holds: the next task takes one over (resume) with its cipher,
    // subkey and counter, instead of a new cipher and a new nonce prefix.
    private final ArrayDeque<EnvelopeEncryptor.Writer> idle = new ArrayDeque<>(1);
    long expiresAt;

    Entry(SubjectKey key, EnvelopeEncryptor encryptor, KeyReference reference, long expiresAt) {
      this.key = key;
      this.encryptor = encryptor;
      this.reference = reference;
      this.expiresAt = expiresAt;
    }

    boolean retain() {
      for (; ; ) {
        int r = refs.get();
        if (r == 0) {
          return false;
        }
        if (refs.compareAndSet(r, r + 1)) {
          return true;
        }
      }
    }

    void release() {
      if (refs.decrementAndGet() == 0) {
        encryptor.close();
        synchronized (idle) {
          idle.clear();
        }
      }
    }

    EnvelopeEncryptor.Writer takeWriter(int countBlock) {
      EnvelopeEncryptor.Writer w;
      synchronized (idle) {
        w = idle.pollFirst();
      }
      return w == null ? encryptor.writer(countBlock) : w.resume();
    }

    void giveBack(EnvelopeEncryptor.Writer w) {
      synchronized (idle) {
        if (refs.get() > 0 && idle.size() < MAX_IDLE_WRITERS) {
          idle.addFirst(w);
        }
      }
    }
  }

  /**
   * One user's hold on a subject's encryptor: valid until closed, whatever the cache evicts
   * meanwhile. Close it exactly once.
   */
  public static final class Lease implements AutoCloseable {
    private final Entry entry;
    private EnvelopeEncryptor.Writer writer;
    private boolean closed;

    private Lease(Entry entry) {
      this.entry = entry;
    }

    public EnvelopeEncryptor encryptor() {
      return entry.encryptor;
    }

    /** The reference the envelopes carry: subject hash and DEK id. */
    public KeyReference reference() {
      return entry.reference;
    }

    public SubjectKey key() {
      return entry.key;
    }

    /**
     * This lease's writer stream, bound to the calling thread: a stream a finished lease gave back
     * if there is one (so a subject met by task after task keeps one cipher and nonce prefix), else
     * a new one. {@code countBlock} applies to a new stream only. Returned to the subject's entry
     * when this lease closes; do not use it after.
     */
    public EnvelopeEncryptor.Writer writer(int countBlock) {
      if (writer == null) {
        writer = entry.takeWriter(countBlock);
      }
      return writer;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        if (writer != null) {
          entry.giveBack(writer);
          writer = null;
        }
        entry.release();
      }
    }
  }

  /**
   * @param keys resolves and unwraps subject keys; must have a subject key registry
   * @param maxEntries subjects (per algorithm) kept open; 0 keeps none (every lease opens anew)
   * @param ttl how long an entry is used before the registry is asked again; zero checks every time
   */
  public SubjectEncryptors(EnvelopeKeys keys, int maxEntries, Duration ttl) {
    this(keys, maxEntries, ttl, System::nanoTime);
  }

  SubjectEncryptors(EnvelopeKeys keys, int maxEntries, Duration ttl, LongSupplier nanoTime) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.subjects = Objects.requireNonNull(keys.subjects(), "keys.subjects()");
    if (maxEntries < 0) {
      throw new IllegalArgumentException("maxEntries must be >= 0: " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = nanoTime;
    this.lastRecheck = nanoTime.getAsLong() - ttlNanos;
    this.map =
        new LinkedHashMap<>(1024, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<Slot, Entry> eldest) {
            if (size() > SubjectEncryptors.this.maxEntries) {
              eldest.getValue().release();
              return true;
            }
            return false;
          }
        };
  }

  /**
   * A lease on the encryptor of {@code subject}'s current key, creating the key (under {@code
   * masterKey}) if the subject has none.
   *
   * @throws SubjectErasedException if the subject was shredded
   */
  public Lease lease(SubjectHash subject, Algorithm algorithm, String masterKey) {
    return leaseAll(List.of(subject), algorithm, masterKey).get(subject);
  }

  /**
   * Leases for many subjects at once: the ones not open are resolved with one {@link
   * SubjectKeyRegistry#keysFor} call, so the registry reads each touched bucket once and publishes
   * the keys it creates as one file per bucket. The caller closes every lease.
   *
   * @throws SubjectErasedException if any subject was shredded (no lease is left open then)
   */
  public Map<SubjectHash, Lease> leaseAll(
      Collection<SubjectHash> subjectHashes, Algorithm algorithm, String masterKey) {
    Objects.requireNonNull(algorithm, "algorithm");
    Map<SubjectHash, Lease> out = new LinkedHashMap<>();
    List<SubjectHash> missing = new ArrayList<>();
    long now = nanoTime.getAsLong();
    Map<SubjectHash, Entry> stale = new LinkedHashMap<>();
    synchronized (map) {
      ensureOpen();
      for (SubjectHash s : new LinkedHashSet<>(subjectHashes)) {
        Slot slot = new Slot(s, algorithm);
        Entry e = map.get(slot);
        if (e != null && now - e.expiresAt < 0 && e.retain()) {
          out.put(s, new Lease(e));
        } else {
          if (e != null) {
            stale.put(s, e);
          }
          missing.add(s);
        }
      }
    }
    if (missing.isEmpty()) {
      return out;
    }
    if (!stale.isEmpty()) {
      recheckExpired(now, algorithm, masterKey, stale.keySet());
    }
    try {
      Map<SubjectHash, SubjectKey> found =
          subjects.keysFor(missing, () -> generate(Objects.requireNonNull(masterKey, "masterKey")));
      for (SubjectHash s : missing) {
        SubjectKey k = found.get(s);
        if (k == null) {
          synchronized (map) {
            Entry e = map.remove(new Slot(s, algorithm));
            if (e != null) {
              e.release();
            }
          }
          throw new SubjectErasedException(subjects.toString(), s, null);
        }
        out.put(s, open(s, algorithm, k, stale.get(s)));
      }
      return out;
    } catch (RuntimeException e) {
      out.values().forEach(Lease::close);
      throw e;
    }
  }

  /**
   * Entries opened together expire together: rather than ask the registry about each as it is next
   * used (a bucket read per subject, as the registry's cache expired with them), ask about all
   * expired entries in one {@link SubjectKeyRegistry#keysFor} call, which reads each touched bucket
   * once. Confirmed entries live another ttl; shredded or replaced ones are dropped.
   */
  private void recheckExpired(
      long now, Algorithm algorithm, String masterKey, Collection<SubjectHash> asked) {
    List<SubjectHash> expired = new ArrayList<>();
    Map<SubjectHash, Entry> entries = new java.util.HashMap<>();
    synchronized (map) {
      if (rechecking || now - lastRecheck < ttlNanos / 4) {
        return;
      }
      rechecking = true;
      for (Map.Entry<Slot, Entry> e : map.entrySet()) {
        if (e.getKey().algorithm() == algorithm
            && now - e.getValue().expiresAt >= 0
            && !asked.contains(e.getKey().subject())
            && expired.size() < MAX_RECHECK) {
          expired.add(e.getKey().subject());
          entries.put(e.getKey().subject(), e.getValue());
        }
      }
    }
    try {
      if (expired.isEmpty()) {
        return;
      }
      Map<SubjectHash, SubjectKey> found =
          subjects.keysFor(expired, () -> generate(Objects.requireNonNull(masterKey, "masterKey")));
      long expires = nanoTime.getAsLong() + ttlNanos;
      synchronized (map) {
        for (SubjectHash s : expired) {
          Slot slot = new Slot(s, algorithm);
          Entry e = entries.get(s);
          if (map.get(slot) != e) {
            continue; // replaced or evicted meanwhile
          }
          SubjectKey k = found.get(s);
          if (k != null && k.dekId() == e.key.dekId()) {
            e.expiresAt = expires;
          } else {
            map.remove(slot);
            e.release();
          }
        }
      }
    } finally {
      synchronized (map) {
        rechecking = false;
        lastRecheck = nanoTime.getAsLong();
      }
    }
  }

  private WrappedKey generate(String masterKey) {
    try (DataKeyPair pair = keys.generate(masterKey)) {
      return pair.wrapped();
    }
  }

  /**
   * A lease on an entry for {@code k}: the stale one again if the key is unchanged, or a new one.
   */
  private Lease open(SubjectHash s, Algorithm algorithm, SubjectKey k, Entry stale) {
    Slot slot = new Slot(s, algorithm);
    long expires = nanoTime.getAsLong() + ttlNanos;
    synchronized (map) {
      ensureOpen();
      Entry current = map.get(slot);
      Entry e = current != null ? current : stale;
      if (e != null && e.key.dekId() == k.dekId() && e.retain()) {
        // The registry confirmed the key: keep the open encryptor for another ttl.
        e.expiresAt = expires;
        if (current != e && maxEntries > 0 && e.retain()) {
          map.put(slot, e);
          if (current != null) {
            current.release();
          }
        }
        return new Lease(e);
      }
    }
    Entry fresh;
    KeyReference reference = keys.subjectReference(k);
    // The key was resolved just now: unwrap its wrapped form directly, not through the reference
    // (which would look the subject up in the registry a second time).
    try (DataKey dek = KmsCalls.await(keys.kms().unwrap(k.wrapped()))) {
      fresh = new Entry(k, EnvelopeEncryptor.create(dek, algorithm, reference), reference, expires);
    }
    synchronized (map) {
      if (closed || maxEntries == 0) {
        return new Lease(fresh); // the lease holds the only reference
      }
      Entry old = map.get(slot);
      if (old != null && old.key.dekId() == k.dekId() && old.retain()) {
        // Another thread opened the same key meanwhile: use one encryptor, drop ours.
        fresh.release();
        return new Lease(old);
      }
      fresh.retain(); // one for the map, one for the lease
      old = map.put(slot, fresh);
      if (old != null) {
        old.release();
      }
      return new Lease(fresh);
    }
  }

  /** Subjects open now (all algorithms). */
  public int size() {
    synchronized (map) {
      return map.size();
    }
  }

  /** Drops the subject's open encryptors at once (a shred in this process). */
  public void evict(SubjectHash subject) {
    synchronized (map) {
      for (Algorithm a : Algorithm.values()) {
        Entry e = map.remove(new Slot(subject, a));
        if (e != null) {
          e.release();
        }
      }
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("subject encryptors were closed");
    }
  }

  /** Releases every entry; leases still out keep their encryptor until they close. */
  @Override
  public void close() {
    synchronized (map) {
      closed = true;
      map.values().forEach(Entry::release);
      map.clear();
    }
  }

  @Override
  public String toString() {
    return "SubjectEncryptors[" + subjects + ", max " + maxEntries + "]";
  }
}
