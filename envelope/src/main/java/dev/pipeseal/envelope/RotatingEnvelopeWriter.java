package dev.pipeseal.envelope;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EncryptorOptions;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.envelope.KeyReferenceKind;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.metrics.DataPathMetrics;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Randomized envelope writer that reuses one data key (DEK) within {@link DekLimits} and replaces
 * it without making the caller wait on the KMS: the next DEK is generated in the background once
 * the current one has used {@code prefetchAt} of its values or age, and swapped in when the current
 * one is spent. The old encryptor handle is closed once the last in-flight encryption under it
 * finishes.
 *
 * <p>When the KMS is down the writer keeps using the current DEK up to its limits, then fails
 * encryptions with {@link DataKeyUnavailableException}; it never returns anything unencrypted.
 *
 * <p>Thread-safe; one per producer (or task) and master key. DEKs are referenced inline (the
 * wrapped key travels in each envelope, so readers need only KMS access) or by registry id (8
 * bytes; readers need the registry too). A registry id is registered, durably, by the background
 * fetch before the DEK seals its first value, so no envelope ever names an id that is not stored.
 */
public final class RotatingEnvelopeWriter implements EnvelopeWriter {
  // After a failed fetch, callers fail fast for this long instead of each waiting maxWait.
  private static final long FAILURE_HOLD_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final EnvelopeKeys keys;
  private final String masterKey;
  private final Algorithm algorithm;
  private final DekLimits limits;
  private final KeyReferenceKind referenceKind;
  private final EncryptorOptions options;
  private final LongSupplier nanoClock;
  private final ExecutorService fetcher;
  private final Object rotationLock = new Object();

  private volatile Generation current;
  private volatile CompletableFuture<NextKey> next;
  private volatile long nextFailedAt;
  private final AtomicLong generations = new AtomicLong();
  // Values sealed under DEKs already replaced; written under rotationLock, between two increments
  // of tallySeq (odd while a swap is under way), so a reader never counts a DEK twice or not at
  // all.
  private volatile long retiredValues;
  private volatile long tallySeq;
  private final DataPathMetrics.Tracked tracked;
  private volatile boolean closed;

  /** One DEK and its encryptor handle, with use counters for limits and safe closing. */
  private static final class Generation {
    final EnvelopeEncryptor encryptor;
    final long prefetchValues;
    final long maxValues;
    final long prefetchAtNanos;
    final long expiresAtNanos;
    // Values taken (one increment per value, which the limits need anyway; the metrics read it).
    final AtomicLong used = new AtomicLong();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicBoolean handleClosed = new AtomicBoolean();
    volatile boolean retired;

    Generation(EnvelopeEncryptor encryptor, DekLimits limits, long now) {
      this.encryptor = encryptor;
      this.maxValues = limits.maxValues();
      this.prefetchValues = Math.max(1, (long) (limits.maxValues() * limits.prefetchAt()));
      long age = limits.maxAge().toNanos();
      this.prefetchAtNanos = now + (long) (age * limits.prefetchAt());
      this.expiresAtNanos = now + age;
    }

    /** Values sealed (attempts past the limit also bump {@code used}, but seal nothing). */
    long sealed() {
      return Math.min(used.get(), maxValues);
    }

    void release() {
      if (inFlight.decrementAndGet() == 0 && retired) {
        closeHandle();
      }
    }

    void retire() {
      retired = true;
      if (inFlight.get() == 0) {
        closeHandle();
      }
    }

    void closeHandle() {
      if (handleClosed.compareAndSet(false, true)) {
        encryptor.close();
      }
    }
  }

  /** A fetched DEK and the reference its envelopes will carry (registered if by id). */
  private record NextKey(DataKeyPair pair, KeyReference reference) implements AutoCloseable {
    @Override
    public void close() {
      pair.close();
    }
  }

  private RotatingEnvelopeWriter(
      EnvelopeKeys keys,
      String masterKey,
      Algorithm algorithm,
      DekLimits limits,
      KeyReferenceKind referenceKind,
      EncryptorOptions options,
      LongSupplier nanoClock) {
    this.keys = Objects.requireNonNull(keys, "keys");
    this.masterKey = Objects.requireNonNull(masterKey, "masterKey");
    this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
    if (algorithm.isDeterministic()) {
      // A deterministic envelope must name the same key every time; see FixedKeyEnvelopeWriter.
      throw new IllegalArgumentException(
          "rotating writers are randomized; use FixedKeyEnvelopeWriter for " + algorithm);
    }
    this.limits = Objects.requireNonNull(limits, "limits");
    this.referenceKind = Objects.requireNonNull(referenceKind, "referenceKind");
    this.options = Objects.requireNonNull(options, "options");
    this.nanoClock = nanoClock;
    this.fetcher =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "pipeseal-dek-fetch-" + masterKey);
              t.setDaemon(true);
              return t;
            });
    this.tracked = DataPathMetrics.trackEncrypted(masterKey, this::valuesEncrypted);
  }

  /**
   * A writer for {@code masterKey} that starts fetching its first DEK at once (the first encryption
   * waits for it at most {@link DekLimits#maxWait()}).
   */
  public static RotatingEnvelopeWriter start(
      EnvelopeKeys keys, String masterKey, DekLimits limits) {
    return start(keys, masterKey, Algorithm.XAES_256_GCM, limits, System::nanoTime);
  }

  /**
   * As {@link #start(EnvelopeKeys, String, DekLimits)}, with envelopes that reference their DEK
   * {@code referenceKind}: {@link KeyReferenceKind#REGISTRY_KEY_ID} needs {@code keys} with a
   * registry.
   */
  public static RotatingEnvelopeWriter start(
      EnvelopeKeys keys, String masterKey, DekLimits limits, KeyReferenceKind referenceKind) {
    return start(keys, masterKey, limits, referenceKind, Envelope.VERSION_1);
  }

  /**
   * As {@link #start(EnvelopeKeys, String, DekLimits, KeyReferenceKind)}, writing envelope format
   * {@code formatVersion} ({@link Envelope#VERSION_2} binds a digest of the header instead of the
   * header, cheaper per value for long inline references; readers before it know only v1).
   */
  public static RotatingEnvelopeWriter start(
      EnvelopeKeys keys,
      String masterKey,
      DekLimits limits,
      KeyReferenceKind referenceKind,
      int formatVersion) {
    RotatingEnvelopeWriter w =
        new RotatingEnvelopeWriter(
            keys,
            masterKey,
            Algorithm.XAES_256_GCM,
            limits,
            referenceKind,
            EncryptorOptions.DEFAULTS.withFormatVersion(formatVersion),
            System::nanoTime);
    w.prefetch();
    return w;
  }

  /** As {@link #start(EnvelopeKeys, String, DekLimits)} with an algorithm and a clock (tests). */
  public static RotatingEnvelopeWriter start(
      EnvelopeKeys keys,
      String masterKey,
      Algorithm algorithm,
      DekLimits limits,
      LongSupplier nanoClock) {
    RotatingEnvelopeWriter w =
        new RotatingEnvelopeWriter(
            keys,
            masterKey,
            algorithm,
            limits,
            KeyReferenceKind.INLINE_WRAPPED_KEY,
            EncryptorOptions.DEFAULTS,
            nanoClock);
    w.prefetch();
    return w;
  }

  @Override
  public byte[] encrypt(byte[] in, int off, int len, EnvelopeContext context) {
    Generation g = acquire();
    try {
      EnvelopeEncryptor enc = g.encryptor;
      byte[] out = new byte[enc.envelopeLength(len)];
      enc.encrypt(in, off, len, context, out, 0);
      return out;
    } finally {
      g.release();
    }
  }

  /** Master key the DEKs are generated under. */
  public String masterKey() {
    return masterKey;
  }

  /** DEKs put into use so far (for tests and metrics). */
  public long generations() {
    return generations.get();
  }

  /**
   * Values encrypted so far, over every DEK this writer used. Read from the counters the DEK limits
   * keep anyway, so counting costs the hot path nothing more.
   */
  @Override
  public long valuesEncrypted() {
    while (true) {
      long seq = tallySeq;
      long retired = retiredValues;
      Generation g = current;
      long total = retired + (g == null ? 0 : g.sealed());
      if ((seq & 1) == 0 && seq == tallySeq) {
        return total;
      }
      Thread.onSpinWait();
    }
  }

  /** Whether the next DEK has been fetched and waits to take over (for tests and metrics). */
  public boolean nextKeyReady() {
    CompletableFuture<NextKey> pending = next;
    return pending != null && pending.isDone() && !pending.isCompletedExceptionally();
  }

  /** Takes one value's worth of the current DEK, rotating if it is spent. */
  private Generation acquire() {
    while (true) {
      if (closed) {
        throw new IllegalStateException("envelope writer for '" + masterKey + "' is closed");
      }
      Generation g = current;
      if (g != null) {
        g.inFlight.incrementAndGet();
        if (!g.retired) {
          long n = g.used.incrementAndGet();
          long now = nanoClock.getAsLong();
          if (n <= g.maxValues && now - g.expiresAtNanos < 0) {
            CompletableFuture<NextKey> pending = next;
            if ((n >= g.prefetchValues || now - g.prefetchAtNanos >= 0)
                && (pending == null || pending.isCompletedExceptionally())) {
              prefetch();
            }
            return g;
          }
        }
        g.release();
      }
      rotate(g);
    }
  }

  /** Replaces {@code spent} (or installs the first DEK), waiting at most maxWait for the KMS. */
  private void rotate(Generation spent) {
    synchronized (rotationLock) {
      if (current != spent || closed) {
        return; // another thread rotated (or closed) meanwhile
      }
      CompletableFuture<NextKey> pending = next;
      if (pending == null
          || (pending.isCompletedExceptionally()
              && nanoClock.getAsLong() - nextFailedAt >= FAILURE_HOLD_NANOS)) {
        pending = prefetch();
      }
      NextKey pair;
      try {
        pair = pending.get(limits.maxWait().toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        throw unavailable(spent, "the KMS did not deliver a new one within " + limits.maxWait(), e);
      } catch (ExecutionException e) {
        throw unavailable(spent, "generating a new one failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw unavailable(spent, "interrupted while waiting for a new one", e);
      }
      Generation fresh;
      try (pair) {
        EnvelopeEncryptor enc =
            EnvelopeEncryptor.create(pair.pair().plaintext(), algorithm, pair.reference(), options);
        fresh = new Generation(enc, limits, nanoClock.getAsLong());
      }
      next = null;
      tallySeq++;
      if (spent != null) {
        retiredValues += spent.sealed();
      }
      current = fresh;
      tallySeq++;
      generations.incrementAndGet();
      if (spent != null) {
        spent.retire();
      }
    }
  }

  private DataKeyUnavailableException unavailable(Generation spent, String what, Throwable cause) {
    String state = spent == null ? "no data key yet" : "the current one reached its limits";
    return new DataKeyUnavailableException(masterKey, state + " and " + what, cause);
  }

  /** Starts fetching the next DEK in the background unless a fetch is already under way. */
  private synchronized CompletableFuture<NextKey> prefetch() {
    CompletableFuture<NextKey> pending = next;
    if (pending != null
        && !(pending.isCompletedExceptionally()
            && nanoClock.getAsLong() - nextFailedAt >= FAILURE_HOLD_NANOS)) {
      return pending;
    }
    CompletableFuture<NextKey> f = CompletableFuture.supplyAsync(this::fetch, fetcher);
    f.whenComplete(
        (pair, err) -> {
          if (err != null) {
            nextFailedAt = nanoClock.getAsLong();
          }
        });
    next = f;
    return f;
  }

  /** On the fetcher thread: a new DEK and its reference; a registry id is durable on return. */
  private NextKey fetch() {
    DataKeyPair pair = keys.generate(masterKey);
    try {
      KeyReference ref =
          referenceKind == KeyReferenceKind.REGISTRY_KEY_ID
              ? keys.registryReference(pair.wrapped())
              : keys.inlineReference(pair.wrapped());
      return new NextKey(pair, ref);
    } catch (RuntimeException e) {
      pair.close();
      throw e;
    }
  }

  @Override
  public void close() {
    synchronized (rotationLock) {
      if (closed) {
        return;
      }
      closed = true;
      Generation g = current;
      tallySeq++;
      if (g != null) {
        retiredValues += g.sealed();
      }
      current = null;
      tallySeq++;
      if (g != null) {
        g.retire();
      }
      tracked.close();
      CompletableFuture<NextKey> pending = next;
      next = null;
      if (pending != null) {
        pending.thenAccept(NextKey::close);
      }
      fetcher.shutdown();
    }
  }

  @Override
  public String toString() {
    return "RotatingEnvelopeWriter[" + masterKey + ", " + algorithm + "]";
  }
}
