package dev.pipeseal.crypto.aead;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.TruncatedCiphertextException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-SIV (RFC 5297) on the JDK's AES: S2V with AES-CMAC, then AES-CTR. Keys of 256, 384 or 512
 * bits (AES-128/192/256 for both halves); output is SIV(16) || ciphertext.
 *
 * <p>CMAC runs as CBC-MAC through "AES/CBC/NoPadding" (the JDK resets it to the zero IV after each
 * {@code doFinal}), CTR as "AES/ECB/NoPadding" over counter blocks, so no call does a
 * Cipher.getInstance or key setup. Associated data that repeats across values (an envelope header
 * and a column name) can be absorbed once with {@link #prepare} and reused.
 *
 * <p>Thread-safe: per-thread cipher state.
 */
public final class AesSiv implements DeterministicAead {
  public static final int SIV_BYTES = 16;

  /** RFC 5297 allows at most 126 associated-data components besides the plaintext. */
  public static final int MAX_ASSOCIATED_DATA = 126;

  private static final int CHUNK = 4096;

  private final int keyBits;
  private final SecretKeySpec macKey;
  private final SecretKeySpec ctrKey;
  private final byte[] cmacK1 = new byte[16];
  private final byte[] cmacK2 = new byte[16];
  private final byte[] cmacOfZero;
  private final ThreadLocal<State> states;

  /** S2V state after absorbing an associated-data vector; immutable, reusable across threads. */
  public static final class AssociatedData {
    private final byte[] d;

    private AssociatedData(byte[] d) {
      this.d = d;
    }

    @Override
    public String toString() {
      return "AesSiv.AssociatedData";
    }
  }

  private final class State {
    final Cipher cbc;
    final Cipher ecb;
    final byte[] chunk = new byte[CHUNK];
    final byte[] counters = new byte[CHUNK];
    final byte[] tail = new byte[48];
    final byte[] v = new byte[16];
    final byte[] t = new byte[16];

    State() {
      try {
        cbc = Cipher.getInstance("AES/CBC/NoPadding");
        cbc.init(Cipher.ENCRYPT_MODE, macKey, new IvParameterSpec(new byte[16]));
        ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, ctrKey);
      } catch (GeneralSecurityException e) {
        throw new PipesealCryptoException("AES/CBC or AES/ECB is not available", e);
      }
    }
  }

  private AesSiv(byte[] key) {
    if (key.length != 32 && key.length != 48 && key.length != 64) {
      throw new UnsupportedParametersException(
          "AES-SIV supports 256, 384 or 512-bit keys, got " + key.length * 8 + " bits");
    }
    keyBits = key.length * 8;
    int half = key.length / 2;
    macKey = new SecretKeySpec(key, 0, half, "AES");
    ctrKey = new SecretKeySpec(key, half, half, "AES");
    states = ThreadLocal.withInitial(State::new);
    State st = states.get();
    byte[] l = new byte[16];
    cbcMacBlock(st, new byte[16], l);
    Gf128.dbl(l, cmacK1);
    Gf128.dbl(cmacK1, cmacK2);
    cmacOfZero = new byte[16];
    cmac(st, new byte[16], 0, 16, null, cmacOfZero);
  }

  /** Builds the cipher state for {@code key}; the array is copied, the caller may zero it. */
  public static AesSiv create(byte[] key) {
    return new AesSiv(key);
  }

  /** Absorbs the associated-data vector (null elements count as empty strings). */
  public AssociatedData prepare(byte[]... associatedData) {
    if (associatedData.length > MAX_ASSOCIATED_DATA) {
      throw new UnsupportedParametersException(
          "AES-SIV takes at most 126 associated-data components, got " + associatedData.length);
    }
    State st = states.get();
    byte[] d = cmacOfZero.clone();
    byte[] mac = new byte[16];
    for (byte[] ad : associatedData) {
      byte[] a = ad == null ? new byte[0] : ad;
      Gf128.dbl(d, d);
      cmac(st, a, 0, a.length, null, mac);
      Gf128.xor(d, 0, mac, 0, 16);
    }
    return new AssociatedData(d);
  }

  @Override
  public byte[] encryptDeterministically(byte[] plaintext, byte[] associatedData) {
    return encryptDeterministically(plaintext, new byte[][] {associatedData});
  }

  @Override
  public byte[] decryptDeterministically(byte[] ciphertext, byte[] associatedData) {
    return decryptDeterministically(ciphertext, new byte[][] {associatedData});
  }

  /** Multi-component form: the S2V inputs are {@code associatedData[0..n-1], plaintext}. */
  public byte[] encryptDeterministically(byte[] plaintext, byte[][] associatedData) {
    byte[] out = new byte[plaintext.length + SIV_BYTES];
    seal(prepare(associatedData), plaintext, 0, plaintext.length, out, 0);
    return out;
  }

  /** Multi-component inverse of {@link #encryptDeterministically(byte[], byte[][])}. */
  public byte[] decryptDeterministically(byte[] ciphertext, byte[][] associatedData) {
    if (ciphertext.length < SIV_BYTES) {
      throw truncated(ciphertext.length);
    }
    byte[] out = new byte[ciphertext.length - SIV_BYTES];
    open(prepare(associatedData), ciphertext, 0, ciphertext.length, out, 0);
    return out;
  }

  /**
   * Writes SIV || ciphertext of {@code in[off, off+len)} to {@code out} at {@code outOff}; the
   * regions must not overlap. Returns {@code len + 16}.
   */
  public int seal(AssociatedData ad, byte[] in, int off, int len, byte[] out, int outOff) {
    if (out.length - outOff < len + SIV_BYTES) {
      throw new IllegalArgumentException("output buffer too small for AES-SIV ciphertext");
    }
    State st = states.get();
    s2v(st, ad.d, in, off, len, st.v);
    System.arraycopy(st.v, 0, out, outOff, SIV_BYTES);
    ctr(st, st.v, in, off, len, out, outOff + SIV_BYTES);
    return len + SIV_BYTES;
  }

  /**
   * Verifies and decrypts SIV || ciphertext into {@code out}; on failure the output region is
   * zeroed before {@link AuthenticationFailedException} is thrown. Returns {@code len - 16}.
   */
  public int open(AssociatedData ad, byte[] in, int off, int len, byte[] out, int outOff) {
    if (len < SIV_BYTES) {
      throw truncated(len);
    }
    int n = len - SIV_BYTES;
    if (out.length - outOff < n) {
      throw new IllegalArgumentException("output buffer too small for AES-SIV plaintext");
    }
    State st = states.get();
    byte[] siv = Arrays.copyOfRange(in, off, off + SIV_BYTES);
    ctr(st, siv, in, off + SIV_BYTES, n, out, outOff);
    s2v(st, ad.d, out, outOff, n, st.v);
    if (!MessageDigest.isEqual(siv, st.v)) {
      Arrays.fill(out, outOff, outOff + n, (byte) 0);
      throw new AuthenticationFailedException(
          "AES-SIV tag mismatch: tampered ciphertext, wrong key or wrong associated data");
    }
    return n;
  }

  private static TruncatedCiphertextException truncated(int len) {
    return new TruncatedCiphertextException(
        "AES-SIV ciphertext is " + len + " bytes, shorter than its SIV (16)");
  }

  /** The last S2V step: V = CMAC(P xorend D) or CMAC(dbl(D) xor pad(P)) for short P. */
  private void s2v(State st, byte[] d, byte[] p, int off, int len, byte[] v) {
    if (len >= 16) {
      cmac(st, p, off, len, d, v);
    } else {
      Gf128.dbl(d, st.t);
      Gf128.xor(st.t, 0, p, off, len);
      st.t[len] ^= (byte) 0x80;
      cmac(st, st.t, 0, 16, null, v);
    }
  }

  /**
   * AES-CMAC of {@code data[off, off+len)}, optionally with {@code xorEnd} XORed into its last 16
   * bytes (len >= 16 then). Leading whole blocks stream through CBC; the last one or two blocks are
   * finished in a small buffer.
   */
  private void cmac(State st, byte[] data, int off, int len, byte[] xorEnd, byte[] mac) {
    try {
      int head;
      if (len <= 16) {
        head = 0;
      } else if (len % 16 == 0) {
        head = len - 16;
      } else {
        head = len - 16 - len % 16;
      }
      for (int pos = 0; pos < head; ) {
        int n = Math.min(CHUNK, head - pos);
        st.cbc.update(data, off + pos, n, st.chunk, 0);
        pos += n;
      }
      int tailLen = len - head;
      byte[] tail = st.tail;
      System.arraycopy(data, off + head, tail, 0, tailLen);
      if (xorEnd != null) {
        Gf128.xor(tail, tailLen - 16, xorEnd, 0, 16);
      }
      int padded;
      if (tailLen > 0 && tailLen % 16 == 0) {
        padded = tailLen;
        Gf128.xor(tail, padded - 16, cmacK1, 0, 16);
      } else {
        padded = (tailLen / 16 + 1) * 16;
        tail[tailLen] = (byte) 0x80;
        Arrays.fill(tail, tailLen + 1, padded, (byte) 0);
        Gf128.xor(tail, padded - 16, cmacK2, 0, 16);
      }
      st.cbc.doFinal(tail, 0, padded, st.chunk, 0);
      Arrays.fill(tail, (byte) 0);
      System.arraycopy(st.chunk, padded - 16, mac, 0, 16);
    } catch (GeneralSecurityException e) {
      throw new PipesealCryptoException("AES-CMAC failed", e);
    }
  }

  private void cbcMacBlock(State st, byte[] block, byte[] out) {
    try {
      st.cbc.doFinal(block, 0, 16, out, 0);
    } catch (GeneralSecurityException e) {
      throw new PipesealCryptoException("AES block encryption failed", e);
    }
  }

  /** AES-CTR from Q = V with bits 63 and 31 cleared (RFC 5297 section 2.5). */
  private void ctr(State st, byte[] v, byte[] in, int off, int len, byte[] out, int outOff) {
    byte[] counters = st.counters;
    // The cleared bit 31 means the low 32-bit word cannot wrap for inputs below 2^31 blocks.
    int low =
        ((v[12] & 0x7f) << 24) | ((v[13] & 0xff) << 16) | ((v[14] & 0xff) << 8) | (v[15] & 0xff);
    try {
      for (int pos = 0; pos < len; ) {
        int n = Math.min(CHUNK, len - pos);
        int blocks = (n + 15) / 16;
        for (int b = 0; b < blocks; b++) {
          int c = b * 16;
          System.arraycopy(v, 0, counters, c, 12);
          counters[c + 8] &= 0x7f;
          int word = low + (pos / 16) + b;
          counters[c + 12] = (byte) (word >>> 24);
          counters[c + 13] = (byte) (word >>> 16);
          counters[c + 14] = (byte) (word >>> 8);
          counters[c + 15] = (byte) word;
        }
        st.ecb.update(counters, 0, blocks * 16, st.chunk, 0);
        for (int i = 0; i < n; i++) {
          out[outOff + pos + i] = (byte) (in[off + pos + i] ^ st.chunk[i]);
        }
        pos += n;
      }
    } catch (GeneralSecurityException e) {
      throw new PipesealCryptoException("AES-CTR failed", e);
    }
  }

  @Override
  public String toString() {
    return "AesSiv[AES-SIV-CMAC, " + keyBits + "-bit key]";
  }
}
