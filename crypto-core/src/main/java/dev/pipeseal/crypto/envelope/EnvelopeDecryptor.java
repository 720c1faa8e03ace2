package dev.pipeseal.crypto.envelope;

import dev.pipeseal.crypto.TruncatedCiphertextException;
import dev.pipeseal.crypto.aead.AesSiv;
import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.aead.CallerNonceGcm;
import dev.pipeseal.crypto.aead.XaesGcm;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.crypto.key.KeyDestroyedException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads envelopes v1 and v2 of every algorithm under one data key; the caller resolved that key
 * from the envelope's key reference (see {@link Envelope#parseHeader}). The header is
 * authenticated, so a value read with a swapped reference, another key or another context fails.
 *
 * <p>Thread-safe and meant to be shared: each thread keeps its own cipher state and remembers the
 * derived XAES subkeys of the last 16 writer streams (values from one writer share a nonce prefix,
 * so a batch derives once). Holds a reference to its {@link DataKey} until {@link #close()}.
 */
public final class EnvelopeDecryptor implements AutoCloseable {
  // Writer streams (one per producer thread) whose values may interleave in one partition.
  private static final int CACHED_SUBKEYS = 16;

  private final DataKey key;
  private final XaesGcm xaes;
  private final AesSiv siv;
  // Each thread's state owns its cipher: one thread-local lookup per value, not two.
  private final ThreadLocal<ReaderState> states =
      ThreadLocal.withInitial(() -> new ReaderState(CallerNonceGcm.newSession()));
  private final AtomicBoolean closed = new AtomicBoolean();

  private static final class ReaderState {
    // The state's own cipher (a Reader's, or one thread's per-thread state).
    final CallerNonceGcm.Session session;
    final byte[][] prefixes = new byte[CACHED_SUBKEYS][];
    final CallerNonceGcm[] subkeys = new CallerNonceGcm[CACHED_SUBKEYS];
    int nextSlot;
    int lastHit;
    EnvelopeHeader header;
    EnvelopeHeader sivHeader;
    EnvelopeContext sivContext;
    AesSiv.AssociatedData sivAd;
    final byte[] segmentNonce = new byte[CallerNonceGcm.NONCE_BYTES];
    // header || context for the last pair seen: one updateAAD call per value instead of two.
    EnvelopeHeader gcmHeader;
    EnvelopeContext gcmContext;
    byte[] gcmAad;

    ReaderState(CallerNonceGcm.Session session) {
      this.session = session;
    }

    byte[] gcmAad(EnvelopeHeader h, EnvelopeContext context) {
      if (gcmHeader != h || gcmContext == null || !gcmContext.sameBytes(context)) {
        byte[] hdr = h.boundBytes();
        byte[] ctx = context.rawBytes();
        byte[] aad = Arrays.copyOf(hdr, hdr.length + ctx.length);
        System.arraycopy(ctx, 0, aad, hdr.length, ctx.length);
        gcmAad = aad;
        gcmHeader = h;
        gcmContext = context;
      }
      return gcmAad;
    }
  }

  private EnvelopeDecryptor(DataKey key) {
    this.key = key.retain();
    try {
      this.xaes = key.withMaterial(XaesGcm::create);
      this.siv = key.withMaterial(EnvelopeEncryptor::sivFromDataKey);
    } catch (RuntimeException e) {
      key.close();
      throw e;
    }
  }

  /** A handle reading envelopes sealed under {@code key}. */
  public static EnvelopeDecryptor create(DataKey key) {
    return new EnvelopeDecryptor(key);
  }

  /** Decrypts the envelope that fills {@code envelope}. */
  public byte[] decrypt(byte[] envelope, EnvelopeContext context) {
    return decrypt(envelope, 0, envelope.length, context);
  }

  /** Decrypts the envelope in {@code in[off, off+len)}. */
  public byte[] decrypt(byte[] in, int off, int len, EnvelopeContext context) {
    byte[] out = new byte[plaintextLength(in, off, len, context)];
    decrypt(in, off, len, context, out, 0);
    return out;
  }

  /** Plaintext length of the envelope in {@code in[off, off+len)}, without decrypting. */
  public int plaintextLength(byte[] in, int off, int len, EnvelopeContext context) {
    EnvelopeHeader h = header(states.get(), in, off, len, context);
    return Envelope.plaintextLength(h, in, off + h.length(), len - h.length(), context);
  }

  /**
   * Decrypts the envelope in {@code in[off, off+len)} into {@code out} at {@code outOff} (which
   * must not overlap the input) and returns the plaintext length. On any failure nothing readable
   * is left in {@code out}: GCM releases plaintext only after its tag verifies, and the other paths
   * zero what they wrote before throwing.
   */
  public int decrypt(byte[] in, int off, int len, EnvelopeContext context, byte[] out, int outOff) {
    return decrypt(states.get(), in, off, len, context, out, outOff);
  }

  /**
   * As {@link #decrypt(byte[], int, int, EnvelopeContext)} for a caller that already parsed this
   * envelope's header and checked that the value starts with it ({@link Envelope#startsWith}), as
   * readers that pick the key by header do: the header is not compared again. The header is
   * authenticated, so one that the value was not sealed with fails; it never yields plaintext.
   */
  public byte[] decrypt(
      EnvelopeHeader header, byte[] in, int off, int len, EnvelopeContext context) {
    return decrypt(states.get(), header, in, off, len, context);
  }

  private byte[] decrypt(
      ReaderState st, EnvelopeHeader header, byte[] in, int off, int len, EnvelopeContext context) {
    byte[] out = new byte[checkedLength(header, in, off, len, context)];
    open(st, header, in, off, len, context, out.length, out, 0);
    return out;
  }

  private int decrypt(
      ReaderState st,
      EnvelopeHeader header,
      byte[] in,
      int off,
      int len,
      EnvelopeContext context,
      byte[] out,
      int outOff) {
    int n = checkedLength(header, in, off, len, context);
    Objects.checkFromIndexSize(outOff, n, out.length);
    return open(st, header, in, off, len, context, n, out, outOff);
  }

  private int checkedLength(
      EnvelopeHeader header, byte[] in, int off, int len, EnvelopeContext context) {
    ensureOpen();
    Objects.checkFromIndexSize(off, len, in.length);
    if (len < header.length()) {
      throw new TruncatedCiphertextException(
          Envelope.describe(context, header) + ": value is shorter than its header");
    }
    return Envelope.plaintextLength(
        header, in, off + header.length(), len - header.length(), context);
  }

  /**
   * A reader owned by one thread, for hot loops such as one Spark task: its own subkey cache and
   * cipher, so opening a value does no thread-local lookup. Bound to the creating thread: calls
   * from any other thread take the shared per-thread path instead.
   */
  public Reader reader() {
    ensureOpen();
    return new Reader();
  }

  /** See {@link #reader()}. */
  public final class Reader {
    private final Thread owner = Thread.currentThread();
    private final ReaderState st = new ReaderState(CallerNonceGcm.newSession());

    private Reader() {}

    private ReaderState state() {
      return Thread.currentThread() == owner ? st : states.get();
    }

    /** As {@link EnvelopeDecryptor#decrypt(byte[], int, int, EnvelopeContext, byte[], int)}. */
    public int decrypt(
        byte[] in, int off, int len, EnvelopeContext context, byte[] out, int outOff) {
      return EnvelopeDecryptor.this.decrypt(state(), in, off, len, context, out, outOff);
    }

    /**
     * As {@link EnvelopeDecryptor#decrypt(EnvelopeHeader, byte[], int, int, EnvelopeContext)}: for
     * a caller that picked the key by a header it checked the value starts with.
     */
    public byte[] decrypt(
        EnvelopeHeader header, byte[] in, int off, int len, EnvelopeContext context) {
      return EnvelopeDecryptor.this.decrypt(state(), header, in, off, len, context);
    }

    /**
     * As {@link #decrypt(EnvelopeHeader, byte[], int, int, EnvelopeContext)} into {@code out} at
     * {@code outOff}; returns the plaintext length. Nothing readable is left in {@code out} on
     * failure.
     */
    public int decrypt(
        EnvelopeHeader header,
        byte[] in,
        int off,
        int len,
        EnvelopeContext context,
        byte[] out,
        int outOff) {
      return EnvelopeDecryptor.this.decrypt(state(), header, in, off, len, context, out, outOff);
    }

    /** As {@link EnvelopeDecryptor#plaintextLength}. */
    public int plaintextLength(byte[] in, int off, int len, EnvelopeContext context) {
      EnvelopeHeader h = header(state(), in, off, len, context);
      return Envelope.plaintextLength(h, in, off + h.length(), len - h.length(), context);
    }
  }

  private int decrypt(
      ReaderState st,
      byte[] in,
      int off,
      int len,
      EnvelopeContext context,
      byte[] out,
      int outOff) {
    ensureOpen();
    Objects.checkFromIndexSize(off, len, in.length);
    EnvelopeHeader h = header(st, in, off, len, context);
    int n = Envelope.plaintextLength(h, in, off + h.length(), len - h.length(), context);
    Objects.checkFromIndexSize(outOff, n, out.length);
    return open(st, h, in, off, len, context, n, out, outOff);
  }

  /** Opens a value whose header {@code h} and plaintext length {@code n} the caller checked. */
  private int open(
      ReaderState st,
      EnvelopeHeader h,
      byte[] in,
      int off,
      int len,
      EnvelopeContext context,
      int n,
      byte[] out,
      int outOff) {
    int body = off + h.length();
    int bodyLen = len - h.length();
    byte[] ctx = context.rawBytes();
    try {
      switch (h.algorithm()) {
        case XAES_256_GCM:
          CallerNonceGcm subkey = subkey(st, in, body);
          byte[] aad = st.gcmAad(h, context);
          int ctOff = body + XaesGcm.NONCE_BYTES;
          int ctLen = bodyLen - XaesGcm.NONCE_BYTES;
          return subkey.open(
              st.session, in, body + 12, 12, aad, null, in, ctOff, ctLen, out, outOff);
        case AES_SIV:
          if (st.sivHeader != h || st.sivContext == null || !st.sivContext.sameBytes(context)) {
            st.sivAd = siv.prepare(h.boundBytes(), ctx);
            st.sivHeader = h;
            st.sivContext = context;
          }
          return siv.open(st.sivAd, in, body, bodyLen, out, outOff);
        case XAES_256_GCM_SEGMENTED:
          return openSegmented(st, h, context, in, body, bodyLen, n, out, outOff);
        default:
          throw new IllegalStateException(h.algorithm().toString());
      }
    } catch (AuthenticationFailedException e) {
      throw new AuthenticationFailedException(
          Envelope.describe(context, h)
              + ": authentication failed (tampered value, wrong data key, or a value from"
              + " another context or key reference)");
    }
  }

  private int openSegmented(
      ReaderState st,
      EnvelopeHeader h,
      EnvelopeContext context,
      byte[] in,
      int body,
      int bodyLen,
      int plaintextLen,
      byte[] out,
      int outOff) {
    byte[] hdr = h.boundBytes();
    byte[] ctx = context.rawBytes();
    int segmentBytes = Envelope.segmentBytes(in, body, h, context);
    CallerNonceGcm subkey = xaes.deriveEphemeralSubkey(in, body);
    byte[] nonce = st.segmentNonce;
    System.arraycopy(in, body + 12, nonce, 0, 7);
    int segments = Envelope.segmentCount(plaintextLen, segmentBytes);
    int pos = body + Envelope.SEGMENTED_NONCE_BYTES;
    int end = body + bodyLen;
    int written = 0;
    try {
      for (int i = 0; i < segments; i++) {
        int sealed = Math.min(segmentBytes + Envelope.TAG_BYTES, end - pos);
        EnvelopeEncryptor.segmentNonce(nonce, i, i == segments - 1);
        written += subkey.open(nonce, 0, 12, hdr, ctx, in, pos, sealed, out, outOff + written);
        pos += sealed;
      }
      return written;
    } catch (RuntimeException e) {
      Arrays.fill(out, outOff, outOff + written, (byte) 0);
      throw e;
    }
  }

  /** The header at {@code in[off..]}, reusing the last one when the bytes match (one writer). */
  private static EnvelopeHeader header(
      ReaderState st, byte[] in, int off, int len, EnvelopeContext context) {
    EnvelopeHeader last = st.header;
    if (last != null) {
      byte[] b = last.rawBytes();
      if (len >= b.length && Arrays.equals(in, off, off + b.length, b, 0, b.length)) {
        // Same header bytes; every caller checks the body length next.
        return last;
      }
    }
    EnvelopeHeader h = Envelope.parseHeader(in, off, len, context);
    st.header = h;
    return h;
  }

  private CallerNonceGcm subkey(ReaderState st, byte[] in, int nonceOff) {
    int hit = st.lastHit;
    for (int n = 0; n < CACHED_SUBKEYS; n++, hit = (hit + 1) % CACHED_SUBKEYS) {
      byte[] p = st.prefixes[hit];
      if (p != null && Arrays.equals(p, 0, 12, in, nonceOff, nonceOff + 12)) {
        st.lastHit = hit;
        return st.subkeys[hit];
      }
    }
    int slot = st.nextSlot;
    st.nextSlot = (slot + 1) % CACHED_SUBKEYS;
    st.prefixes[slot] = Arrays.copyOfRange(in, nonceOff, nonceOff + 12);
    st.subkeys[slot] = xaes.deriveSubkey(in, nonceOff);
    st.lastHit = slot;
    return st.subkeys[slot];
  }

  /** Releases this handle's reference to the data key; later use throws. Idempotent. */
  private void ensureOpen() {
    if (closed.get()) {
      throw new KeyDestroyedException("envelope decryptor was closed");
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      key.close();
    }
  }

  @Override
  public String toString() {
    return "EnvelopeDecryptor";
  }
}
