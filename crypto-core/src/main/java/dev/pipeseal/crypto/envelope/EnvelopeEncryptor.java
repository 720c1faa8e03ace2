package dev.pipeseal.crypto.envelope;

import dev.pipeseal.crypto.aead.AesSiv;
import dev.pipeseal.crypto.aead.CallerNonceGcm;
import dev.pipeseal.crypto.aead.XaesGcm;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.crypto.key.KeyDestroyedException;
import dev.pipeseal.crypto.key.KeyUsageLimitExceededException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes envelopes (format v1, or v2 by {@link EncryptorOptions#formatVersion}) under one data key,
 * algorithm and key reference. Callers never see key bytes.
 *
 * <p>Thread-safe and meant to be shared: every thread gets its own cipher state (its own nonce
 * prefix, derived subkey and counter for XAES-256-GCM), so threads never contend or coordinate
 * nonces. The handle holds a reference to its {@link DataKey} until {@link #close()}; derived
 * cipher state held by idle threads is released with the handle by the garbage collector.
 *
 * <p>Every value is counted on the data key before it is sealed (a segmented value counts once):
 * one by one through {@link #encrypt}, or a whole batch at once through {@link #reserve}.
 */
public final class EnvelopeEncryptor implements AutoCloseable {
  static final byte[] SIV_INFO = "pipeseal/v1/aes-siv".getBytes(StandardCharsets.US_ASCII);

  private final DataKey key;
  private final Algorithm algorithm;
  private final KeyReference keyReference;
  private final EncryptorOptions options;
  private final RandomSource random;
  private final byte[] header;
  private final byte[] segmentedHeader;
  // What the associated data binds for each header: the header itself (v1) or its digest (v2).
  private final byte[] boundHeader;
  private final byte[] boundSegmentedHeader;
  private final XaesGcm xaes;
  private final AesSiv siv;
  // Each thread's stream owns its cipher: one thread-local lookup per value, not two (this map's
  // and the shared per-thread cipher's), which showed in the Kafka serializer's profile.
  private final ThreadLocal<WriterState> states =
      ThreadLocal.withInitial(() -> new WriterState(CallerNonceGcm.newSession()));
  private final AtomicBoolean closed = new AtomicBoolean();
  // The first thread to seal (a producer's sending thread) keeps its stream here and skips the
  // thread-local lookup, which probes the thread's whole map when it holds many thread-locals (a
  // quarter of the Kafka serializer's CPU in one profile). firstState is written before the
  // volatile firstThread, read after it, and used only by that thread.
  private volatile Thread firstThread;
  private WriterState firstState;

  /**
   * One writer stream (per thread, or per {@link Writer}): nonce = prefix(12) || salt(8) ||
   * counter(4).
   */
  private static final class WriterState {
    // The stream's own cipher (a Writer's, or one thread's per-thread stream).
    final CallerNonceGcm.Session session;
    final byte[] nonce = new byte[XaesGcm.NONCE_BYTES];
    final byte[] segmentNonce = new byte[CallerNonceGcm.NONCE_BYTES];
    CallerNonceGcm subkey;
    long used;
    EnvelopeContext sivContext;
    AesSiv.AssociatedData sivAd;
    // bound header || context for the last context seen: one updateAAD call per value, not two.
    EnvelopeContext gcmContext;
    byte[] gcmAad;

    WriterState(CallerNonceGcm.Session session) {
      this.session = session;
    }

    byte[] gcmAad(byte[] header, EnvelopeContext context) {
      if (gcmContext == null || !gcmContext.sameBytes(context)) {
        byte[] ctx = context.rawBytes();
        byte[] aad = Arrays.copyOf(header, header.length + ctx.length);
        System.arraycopy(ctx, 0, aad, header.length, ctx.length);
        gcmAad = aad;
        gcmContext = context;
      }
      return gcmAad;
    }
  }

  private EnvelopeEncryptor(
      DataKey key,
      Algorithm algorithm,
      KeyReference keyReference,
      EncryptorOptions options,
      RandomSource random) {
    this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
    this.keyReference = Objects.requireNonNull(keyReference, "keyReference");
    this.options = Objects.requireNonNull(options, "options");
    this.random = random;
    this.key = key.retain();
    try {
      int version = options.formatVersion();
      this.header = Envelope.header(version, algorithm, keyReference);
      this.segmentedHeader =
          Envelope.header(version, Algorithm.XAES_256_GCM_SEGMENTED, keyReference);
      this.boundHeader = Envelope.boundHeader(header);
      this.boundSegmentedHeader = Envelope.boundHeader(segmentedHeader);
      if (algorithm == Algorithm.AES_SIV) {
        this.xaes = null;
        this.siv = key.withMaterial(EnvelopeEncryptor::sivFromDataKey);
      } else {
        this.xaes = key.withMaterial(XaesGcm::create);
        this.siv = null;
      }
    } catch (RuntimeException e) {
      key.close();
      throw e;
    }
  }

  /** A handle writing {@code algorithm} envelopes that name {@code keyReference}. */
  public static EnvelopeEncryptor create(
      DataKey key, Algorithm algorithm, KeyReference keyReference) {
    return create(key, algorithm, keyReference, EncryptorOptions.DEFAULTS);
  }

  /** As {@link #create(DataKey, Algorithm, KeyReference)} with explicit options. */
  public static EnvelopeEncryptor create(
      DataKey key, Algorithm algorithm, KeyReference keyReference, EncryptorOptions options) {
    return new EnvelopeEncryptor(key, algorithm, keyReference, options, RandomSource.SECURE);
  }

  static EnvelopeEncryptor create(
      DataKey key,
      Algorithm algorithm,
      KeyReference keyReference,
      EncryptorOptions options,
      RandomSource random) {
    return new EnvelopeEncryptor(key, algorithm, keyReference, options, random);
  }

  static AesSiv sivFromDataKey(byte[] dek) {
    byte[] sivKey = Hkdf.sha256(new byte[0], dek, SIV_INFO, 64);
    try {
      return AesSiv.create(sivKey);
    } finally {
      DataKey.zero(sivKey);
    }
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  public KeyReference keyReference() {
    return keyReference;
  }

  /** The algorithm a plaintext of this length is written with (large XAES values segment). */
  public Algorithm algorithmFor(int plaintextLength) {
    if (algorithm == Algorithm.XAES_256_GCM && plaintextLength > options.segmentThreshold()) {
      return Algorithm.XAES_256_GCM_SEGMENTED;
    }
    return algorithm;
  }

  /** Envelope length for a plaintext of {@code plaintextLength} bytes. */
  public int envelopeLength(int plaintextLength) {
    return Envelope.envelopeLength(
        algorithmFor(plaintextLength), keyReference, plaintextLength, options.segmentBytes());
  }

  /** Encrypts one value into a new envelope. */
  public byte[] encrypt(byte[] plaintext, EnvelopeContext context) {
    byte[] out = new byte[envelopeLength(plaintext.length)];
    encrypt(plaintext, 0, plaintext.length, context, out, 0);
    return out;
  }

  /**
   * Encrypts {@code in[off, off+len)} into {@code out} at {@code outOff}, which must have room for
   * {@link #envelopeLength(int)} bytes and must not overlap the input. Returns the envelope length.
   */
  public int encrypt(byte[] in, int off, int len, EnvelopeContext context, byte[] out, int outOff) {
    ensureOpen();
    key.countEncryptions(1);
    return seal(in, off, len, context, out, outOff);
  }

  /**
   * Counts {@code count} encryptions on the data key at once and returns a permit to seal that many
   * values; throws {@link KeyUsageLimitExceededException} before anything is sealed if the key
   * cannot take them all. The reservation is for one thread.
   */
  public Reservation reserve(long count) {
    ensureOpen();
    key.countEncryptions(count);
    return new Reservation(count);
  }

  /** Permit for a counted batch; not thread-safe. */
  public final class Reservation {
    private final long count;
    private long used;

    private Reservation(long count) {
      this.count = count;
    }

    /** As {@link EnvelopeEncryptor#encrypt(byte[], int, int, EnvelopeContext, byte[], int)}. */
    public int encrypt(
        byte[] in, int off, int len, EnvelopeContext context, byte[] out, int outOff) {
      ensureOpen();
      if (used >= count) {
        throw new KeyUsageLimitExceededException(
            "batch reserved " + count + " encryptions and used them all");
      }
      used++;
      return seal(in, off, len, context, out, outOff);
    }

    public long remaining() {
      return count - used;
    }
  }

  /**
   * A writer stream owned by one thread, for hot loops such as one Spark task: its own nonce prefix
   * and salt (drawn like a thread's, so the nonce analysis in docs/format.md counts it as one more
   * stream), subkey and cipher, so sealing a value does no thread-local lookup. Encryptions are
   * counted on the data key {@code countBlock} at a time, so most values do no atomic update (fewer
   * than {@code countBlock} counted values per writer may go unused, which only makes the key's
   * limit stricter). Bound to the creating thread: a call from any other thread takes the shared
   * per-thread path instead, so a writer that leaks to another thread never shares a nonce stream.
   */
  public Writer writer(int countBlock) {
    if (countBlock < 1) {
      throw new IllegalArgumentException("countBlock must be positive: " + countBlock);
    }
    ensureOpen();
    return new Writer(countBlock, CallerNonceGcm.newSession());
  }

  /**
   * As {@link #writer(int)}, sealing through the caller's {@code session} instead of a cipher of
   * its own: a task that keeps writers for many keys (one per data subject) shares one cipher among
   * them, so a writer costs a few hundred bytes and no {@code Cipher.getInstance}. The session is
   * not thread-safe; the writers sharing it must stay on its thread.
   */
  public Writer writer(int countBlock, CallerNonceGcm.Session session) {
    if (countBlock < 1) {
      throw new IllegalArgumentException("countBlock must be positive: " + countBlock);
    }
    Objects.requireNonNull(session, "session");
    ensureOpen();
    return new Writer(countBlock, session);
  }

  /** See {@link #writer(int)}. */
  public final class Writer {
    private final Thread owner = Thread.currentThread();
    private final WriterState st;
    private final int countBlock;
    private long permits;

    private volatile boolean moved;

    // Values counted on the data key so far, a block at a time; sealed() subtracts the unused.
    private long counted;

    private Writer(int countBlock, CallerNonceGcm.Session session) {
      this.countBlock = countBlock;
      this.st = new WriterState(session);
    }

    private Writer(Writer from) {
      this.countBlock = from.countBlock;
      this.st = from.st;
      this.permits = from.permits;
      // sealed() counts from here: what the previous holder sealed was its own.
      this.counted = from.permits;
    }

    /**
     * This stream, continued on the calling thread: a pool of writers handed from one task to the
     * next (each holding it exclusively) keeps its cipher, subkey and counter instead of setting up
     * new ones. This writer is retired: using it again fails, so two threads never seal with one
     * nonce stream. The caller must hold this writer exclusively (a pool's checkout).
     */
    public Writer resume() {
      if (moved) {
        throw new IllegalStateException("this writer was already handed to another thread");
      }
      moved = true;
      return new Writer(this);
    }

    /** Encrypts {@code in[off, off+len)} into a new envelope. */
    public byte[] encrypt(byte[] in, int off, int len, EnvelopeContext context) {
      byte[] out = new byte[envelopeLength(len)];
      encrypt(in, off, len, context, out, 0);
      return out;
    }

    /** As {@link EnvelopeEncryptor#encrypt(byte[], int, int, EnvelopeContext, byte[], int)}. */
    public int encrypt(
        byte[] in, int off, int len, EnvelopeContext context, byte[] out, int outOff) {
      if (Thread.currentThread() != owner) {
        return EnvelopeEncryptor.this.encrypt(in, off, len, context, out, outOff);
      }
      if (moved) {
        throw new IllegalStateException("this writer was handed to another thread (resume)");
      }
      ensureOpen();
      if (permits == 0) {
        key.countEncryptions(countBlock);
        permits = countBlock;
        counted += countBlock;
      }
      permits--;
      return seal(st, in, off, len, context, out, outOff);
    }

    /**
     * Values this stream has sealed (for metrics), from the block counter it keeps anyway: no extra
     * work per value. Read it on the owning thread.
     */
    public long sealed() {
      return counted - permits;
    }
  }

  private int seal(byte[] in, int off, int len, EnvelopeContext context, byte[] out, int outOff) {
    return seal(state(), in, off, len, context, out, outOff);
  }

  private int seal(
      WriterState st,
      byte[] in,
      int off,
      int len,
      EnvelopeContext context,
      byte[] out,
      int outOff) {
    Objects.checkFromIndexSize(off, len, in.length);
    Algorithm alg = algorithmFor(len);
    int total = Envelope.envelopeLength(alg, keyReference, len, options.segmentBytes());
    Objects.checkFromIndexSize(outOff, total, out.length);
    boolean segmented = alg == Algorithm.XAES_256_GCM_SEGMENTED;
    byte[] hdr = segmented ? segmentedHeader : header;
    byte[] bound = segmented ? boundSegmentedHeader : boundHeader;
    System.arraycopy(hdr, 0, out, outOff, hdr.length);
    int body = outOff + hdr.length;
    byte[] ctx = context.rawBytes();
    switch (alg) {
      case XAES_256_GCM:
        CallerNonceGcm subkey = nextNonce(st);
        System.arraycopy(st.nonce, 0, out, body, XaesGcm.NONCE_BYTES);
        byte[] aad = st.gcmAad(bound, context);
        int ctOff = body + XaesGcm.NONCE_BYTES;
        subkey.seal(st.session, st.nonce, 12, 12, aad, null, in, off, len, out, ctOff);
        break;
      case AES_SIV:
        if (st.sivContext == null || !st.sivContext.sameBytes(context)) {
          st.sivAd = siv.prepare(bound, ctx);
          st.sivContext = context;
        }
        siv.seal(st.sivAd, in, off, len, out, body);
        break;
      case XAES_256_GCM_SEGMENTED:
        sealSegmented(st, bound, ctx, in, off, len, out, body);
        break;
      default:
        throw new IllegalStateException(alg.toString());
    }
    return total;
  }

  private WriterState state() {
    Thread t = Thread.currentThread();
    if (t == firstThread) {
      return firstState;
    }
    if (firstThread == null) {
      synchronized (this) {
        if (firstThread == null) {
          WriterState st = new WriterState(CallerNonceGcm.newSession());
          firstState = st;
          firstThread = t;
          return st;
        }
      }
    }
    return states.get();
  }

  /** Next nonce of this thread's stream; draws a fresh prefix when the counter is used up. */
  private CallerNonceGcm nextNonce(WriterState st) {
    if (st.subkey == null || st.used >= options.messagesPerNoncePrefix()) {
      random.nextBytes(st.nonce, 0, 20);
      st.subkey = xaes.deriveSubkey(st.nonce, 0);
      st.used = 0;
    }
    int counter = (int) st.used++;
    st.nonce[20] = (byte) (counter >>> 24);
    st.nonce[21] = (byte) (counter >>> 16);
    st.nonce[22] = (byte) (counter >>> 8);
    st.nonce[23] = (byte) counter;
    return st.subkey;
  }

  /**
   * Body: derivation nonce(12) || segment-size shift(1) || random(6) || sealed segments. Segment i
   * is sealed under the value's own subkey with nonce body[12:19] || i (4, big-endian) || last (1),
   * so reordering, dropping or truncating segments, or changing the size, fails.
   */
  private void sealSegmented(
      WriterState st, byte[] hdr, byte[] ctx, byte[] in, int off, int len, byte[] out, int body) {
    int segmentBytes = options.segmentBytes();
    random.nextBytes(out, body, Envelope.SEGMENTED_NONCE_BYTES);
    out[body + Envelope.SEGMENT_SHIFT_OFFSET] = (byte) Integer.numberOfTrailingZeros(segmentBytes);
    CallerNonceGcm subkey = xaes.deriveEphemeralSubkey(out, body);
    byte[] nonce = st.segmentNonce;
    System.arraycopy(out, body + 12, nonce, 0, 7);
    int segments = Envelope.segmentCount(len, segmentBytes);
    int pos = body + Envelope.SEGMENTED_NONCE_BYTES;
    for (int i = 0; i < segments; i++) {
      int start = i * segmentBytes;
      int n = Math.min(segmentBytes, len - start);
      segmentNonce(nonce, i, i == segments - 1);
      pos += subkey.seal(nonce, 0, 12, hdr, ctx, in, off + start, n, out, pos);
    }
  }

  static void segmentNonce(byte[] nonce, int index, boolean last) {
    nonce[7] = (byte) (index >>> 24);
    nonce[8] = (byte) (index >>> 16);
    nonce[9] = (byte) (index >>> 8);
    nonce[10] = (byte) index;
    nonce[11] = (byte) (last ? 1 : 0);
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new KeyDestroyedException("envelope encryptor for " + keyReference + " was closed");
    }
  }

  /** Releases this handle's reference to the data key; later use throws. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      key.close();
    }
  }

  @Override
  public String toString() {
    return "EnvelopeEncryptor[" + algorithm + ", " + keyReference + "]";
  }
}
