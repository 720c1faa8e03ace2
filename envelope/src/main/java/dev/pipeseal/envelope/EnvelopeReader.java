package dev.pipeseal.envelope;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeDecryptor;
import dev.pipeseal.crypto.envelope.EnvelopeHeader;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.envelope.KeyReferenceKind;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.audit.AuditContext;
import dev.pipeseal.kms.metrics.DecryptFailures;
import dev.pipeseal.kms.registry.RegistryException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one envelope reader of the connectors (Kafka deserializers, Spark decrypt functions, jobs):
 * decrypts envelopes under whatever keys they reference, keeping a bounded LRU of open data keys so
 * a partition, file or column written under a few DEKs costs a few unwraps, not one per value.
 *
 * <p>Fast path: values from one writer share one envelope header (version, algorithm, key
 * reference), so each value's header bytes are first compared in place with the last header parsed;
 * on a match the value is decrypted straight from the caller's buffer under that header's key, with
 * no parse, no map lookup and no copy. Each open key carries a {@linkplain
 * EnvelopeDecryptor#reader() reader} owned by the thread that opened it (a Spark task, a consumer
 * thread), so that thread's hot loop does no thread-local lookup either.
 *
 * <p>Every failure it raises is counted once, by kind and context, in its {@link DecryptFailures}
 * (the JVM's unless given one), whether the caller then rethrows it or turns it into a null; the
 * success path does not touch the counters.
 *
 * <p>Keys of data subjects (crypto-shredding) are looked up in the registry again once they have
 * been open for the subject registry's {@link dev.pipeseal.kms.registry.SubjectKeyRegistry#cacheTtl
 * cache TTL}, so a reader refuses a shredded subject's values at most two TTLs after the shred (one
 * in the registry's cache, one here), however long it keeps reading.
 *
 * <p>Thread-safe (other threads take the decryptor's per-thread path; the LRU is locked on a miss).
 * Close it to release the keys it holds; it does not own {@link EnvelopeKeys} or the KMS.
 */
public final class EnvelopeReader implements AutoCloseable {
  /** Distinct keys kept open; a file, partition or task rarely spans more. */
  public static final int DEFAULT_MAX_KEYS = 64;

  private final EnvelopeKeys keys;
  private final int maxKeys;
  private final String auditContext;
  private final DecryptFailures failures;
  // Guarded by itself.
  private final Map<KeyReference, OpenKey> open = new LinkedHashMap<>(16, 0.75f, true);
  private volatile Last last;

  /**
   * @param staleAt for a subject key, the {@link System#nanoTime} after which it is looked up again
   *     (so a shredded subject is refused within the registry's cache TTL); unused otherwise
   * @param expires whether {@code staleAt} applies
   * @param header the header last used with this key: reused when the same header comes again, so
   *     the digest a v2 header binds is computed once per key, not once per value, when values of
   *     several writers interleave (several producers into one partition)
   */
  private record OpenKey(
      EnvelopeDecryptor decryptor,
      EnvelopeDecryptor.Reader reader,
      String keyName,
      boolean expires,
      long staleAt,
      AtomicReference<EnvelopeHeader> header) {
    boolean fresh() {
      return !expires || System.nanoTime() - staleAt < 0;
    }
  }

  /** The last header parsed and the key it references. */
  private record Last(EnvelopeHeader header, OpenKey key) {}

  public EnvelopeReader(EnvelopeKeys keys) {
    this(keys, DEFAULT_MAX_KEYS, null);
  }

  public EnvelopeReader(EnvelopeKeys keys, int maxKeys) {
    this(keys, maxKeys, null);
  }

  /**
   * @param auditContext recorded in the audit events of the unwraps this reader causes (e.g. {@code
   *     spark:db.users.ssn}); null keeps the calling thread's
   */
  public EnvelopeReader(EnvelopeKeys keys, int maxKeys, String auditContext) {
    this(keys, maxKeys, auditContext, DecryptFailures.jvm());
  }

  /**
   * @param failures where this reader counts the values it cannot decrypt (a host's {@link
   *     DecryptFailures#child()} to report them itself; they reach the JVM's counters either way)
   */
  public EnvelopeReader(
      EnvelopeKeys keys, int maxKeys, String auditContext, DecryptFailures failures) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys must be >= 1: " + maxKeys);
    }
    this.keys = keys;
    this.maxKeys = maxKeys;
    this.auditContext = auditContext;
    this.failures = Objects.requireNonNull(failures, "failures");
  }

  /** Where this reader counts its failures. */
  public DecryptFailures failures() {
    return failures;
  }

  /** Decrypts the envelope that fills {@code envelope}. */
  public byte[] decrypt(byte[] envelope, EnvelopeContext context) {
    return decrypt(envelope, 0, envelope.length, context);
  }

  /**
   * Decrypts the envelope in {@code in[off, off+len)} into a new array.
   *
   * @throws UndecryptableValueException naming {@code context}'s description and the master key;
   *     the cause keeps the precise type
   */
  public byte[] decrypt(byte[] in, int off, int len, EnvelopeContext context) {
    Last l = lastFor(in, off, len, context);
    try {
      return l.key().reader().decrypt(l.header(), in, off, len, context);
    } catch (PipesealCryptoException ex) {
      throw failed(context, l.key().keyName(), ex);
    }
  }

  /**
   * Decrypts the envelope in {@code in[off, off+len)} into {@code out} at {@code outOff} and
   * returns the plaintext length, which is always less than {@code len}. On failure nothing
   * readable is left in {@code out}.
   *
   * @throws UndecryptableValueException as {@link #decrypt(byte[], int, int, EnvelopeContext)}
   */
  public int decrypt(byte[] in, int off, int len, EnvelopeContext context, byte[] out, int outOff) {
    Last l = lastFor(in, off, len, context);
    try {
      return l.key().reader().decrypt(l.header(), in, off, len, context, out, outOff);
    } catch (PipesealCryptoException ex) {
      throw failed(context, l.key().keyName(), ex);
    }
  }

  /** The master key name an envelope's reference resolves to (for error messages). */
  public String keyNameFor(byte[] envelope, int off, int len, EnvelopeContext context) {
    return lastFor(envelope, off, len, context).key().keyName();
  }

  /**
   * Whether {@code in[off, off+len)} is an envelope (v1 or v2) with a well-formed key reference:
   * used only to tell legacy plaintext from values that lack a marker header. Structural, never
   * resolving the reference, so a KMS or registry outage, or an erased subject key, makes the value
   * fail to decrypt rather than pass as plaintext.
   */
  public boolean looksLikeEnvelope(byte[] in, int off, int len) {
    if (len < 4 || (in[off] != Envelope.VERSION_1 && in[off] != Envelope.VERSION_2)) {
      return false;
    }
    Last l = last;
    if (l != null && Envelope.startsWith(l.header(), in, off, len)) {
      // The header of the last envelope this reader opened: the common case of unmarked records.
      return true;
    }
    try {
      return EnvelopeKeys.isWellFormed(Envelope.parseHeader(in, off, len).keyReference());
    } catch (PipesealCryptoException e) {
      return false;
    }
  }

  private Last lastFor(byte[] in, int off, int len, EnvelopeContext context) {
    Last l = last;
    if (l != null && Envelope.startsWith(l.header(), in, off, len) && l.key().fresh()) {
      return l;
    }
    return lookup(in, off, len, context);
  }

  private Last lookup(byte[] in, int off, int len, EnvelopeContext context) {
    EnvelopeHeader h;
    try {
      h = Envelope.parseHeader(in, off, len, context);
    } catch (PipesealCryptoException ex) {
      throw failed(context, null, ex);
    }
    KeyReference ref = h.keyReference();
    synchronized (open) {
      OpenKey k = open.get(ref);
      if (k != null && !k.fresh()) {
        // A subject key past the registry's cache TTL: look it up again, so a shred is seen.
        open.remove(ref);
        drop(k);
        k = null;
      }
      if (k == null) {
        k = load(ref, context);
        open.put(ref, k);
        evictBeyondLimit();
      }
      EnvelopeHeader seen = k.header().get();
      if (seen != null && seen.sameBytes(h)) {
        h = seen;
      } else {
        k.header().set(h);
      }
      Last l = new Last(h, k);
      last = l;
      return l;
    }
  }

  private OpenKey load(KeyReference ref, EnvelopeContext context) {
    String keyName = null;
    try {
      WrappedKey wrapped = keys.wrappedKey(ref);
      keyName = wrapped.masterKeyName();
      try (AuditContext.Scope audit = auditScope();
          DataKey key = KmsCalls.await(keys.kms().unwrap(wrapped))) {
        EnvelopeDecryptor d = EnvelopeDecryptor.create(key);
        boolean subject = ref.kind() == KeyReferenceKind.SUBJECT_KEY_ID;
        long staleAt = subject ? System.nanoTime() + keys.subjects().cacheTtl().toNanos() : 0L;
        return new OpenKey(d, d.reader(), keyName, subject, staleAt, new AtomicReference<>());
      }
    } catch (KmsException | PipesealCryptoException ex) {
      throw failed(context, keyName, ex);
    } catch (RegistryException ex) {
      // Propagates as is (callers tell a registry outage from a bad value), but is counted.
      failures.record(ex, context.description());
      throw ex;
    }
  }

  // Off the success path: every failure this reader raises passes here once.
  private UndecryptableValueException failed(
      EnvelopeContext context, String keyName, RuntimeException cause) {
    failures.record(cause, context.description());
    return new UndecryptableValueException(context.description(), keyName, cause);
  }

  private AuditContext.Scope auditScope() {
    return auditContext == null ? () -> {} : AuditContext.with(auditContext);
  }

  // Under the lock.
  private void evictBeyondLimit() {
    Iterator<OpenKey> it = open.values().iterator();
    while (open.size() > maxKeys && it.hasNext()) {
      OpenKey eldest = it.next();
      it.remove();
      drop(eldest);
    }
  }

  // Under the lock.
  private void drop(OpenKey k) {
    Last l = last;
    if (l != null && l.key() == k) {
      last = null;
    }
    k.decryptor().close();
  }

  /** Keys currently held; for tests and diagnostics. */
  public int openKeys() {
    synchronized (open) {
      return open.size();
    }
  }

  @Override
  public void close() {
    synchronized (open) {
      last = null;
      for (OpenKey k : open.values()) {
        k.decryptor().close();
      }
      open.clear();
    }
  }
}
