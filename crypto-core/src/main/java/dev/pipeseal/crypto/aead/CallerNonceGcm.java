package dev.pipeseal.crypto.aead;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.TruncatedCiphertextException;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM under one key with caller-managed 96-bit nonces and 128-bit tags: the GCM layer under
 * XAES-256-GCM. Nothing else is accepted (other key sizes, nonce sizes or tag sizes are rejected
 * with {@link UnsupportedParametersException}), so the tested surface is the used surface.
 *
 * <p>Callers own nonce uniqueness; this class only seals and opens. Thread-safe: each thread uses
 * its own {@link Cipher}, kept across calls so the JDK's key schedule is reused; a caller confined
 * to one thread may pass its own {@link Session} instead and skip the per-call thread-local lookup.
 *
 * <p>Where the jar carries the native backend and it loads ({@link NativeGcm}: libsodium, linux
 * x86-64 with AES-NI), keys made by {@link #create} seal and open through it instead of JCE, with
 * the same bytes; {@link #backend()} says which one this JVM uses.
 */
public final class CallerNonceGcm {
  public static final int KEY_BYTES = 32;
  public static final int NONCE_BYTES = 12;
  public static final int TAG_BYTES = 16;

  // Every key shares one Cipher per thread: each call re-inits it with its key and nonce anyway
  // (JCE skips the key expansion when the key is unchanged). A ThreadLocal per key (and per
  // derived XAES subkey) filled threads' maps until lookups, not AES, led the profile.
  private static final ThreadLocal<Cipher> CIPHERS =
      ThreadLocal.withInitial(CallerNonceGcm::newCipher);

  // Values from this size up go to JCE even on a native key: measured here (./bench/run native),
  // libsodium seals 32 bytes 1.8-2.2x as fast as JCE, 256 bytes 1.6x, 512 bytes 1.2x, but 1 KiB
  // only 0.8-1.0x and 3 KiB slower still; 512 keeps a margin under the crossover.
  static final int NATIVE_BELOW_BYTES = 512;

  private final SecretKeySpec key;
  // Null on JCE; else the native copy of the key, freed with this object.
  private final NativeGcm.Key nativeKey;
  // Plaintexts shorter than this go native (when nativeKey is set).
  private final int nativeBelow;

  private CallerNonceGcm(byte[] key, boolean allowNative, int nativeBelow) {
    if (key.length != KEY_BYTES) {
      throw new UnsupportedParametersException(
          "AES-GCM layer supports only 256-bit keys, got " + key.length * 8 + " bits");
    }
    this.key = new SecretKeySpec(key, "AES");
    this.nativeKey = allowNative && NativeGcm.available() ? NativeGcm.Key.create(key) : null;
    this.nativeBelow = nativeBelow;
  }

  /** The backend keys made now use: native (libsodium) or JCE, and if JCE, why. */
  public static String backend() {
    return NativeGcm.status();
  }

  /**
   * A cipher owned by one caller (one Spark task, say), usable with every key: hot loops that
   * already run on one thread pass it instead of looking up the thread's cipher per value. Not
   * thread-safe.
   */
  public static final class Session {
    private final Cipher cipher = newCipher();

    @Override
    public String toString() {
      return "CallerNonceGcm.Session";
    }
  }

  /** A new session; costs one {@code Cipher.getInstance}, so keep it for many values. */
  public static Session newSession() {
    return new Session();
  }

  /** Which implementation a key seals and opens with. */
  public enum Backend {
    /** Native for values under 512 bytes where the native backend loaded, else JCE. */
    AUTO,
    /** JCE for every value. */
    JCE,
    /** Native for every value; only where it loaded. For tests and benchmarks of the backend. */
    NATIVE
  }

  /** A key handle on {@link Backend#AUTO}; threads share one cipher per thread. Copies the key. */
  public static CallerNonceGcm create(byte[] key) {
    return create(key, Backend.AUTO);
  }

  /**
   * A key handle on the given backend. {@link Backend#JCE} also suits a key used once, where
   * setting up a native key would cost more than it saves.
   *
   * @throws UnsupportedParametersException for {@link Backend#NATIVE} where it did not load
   */
  public static CallerNonceGcm create(byte[] key, Backend backend) {
    return switch (backend) {
      case AUTO -> new CallerNonceGcm(key, true, NATIVE_BELOW_BYTES);
      case JCE -> new CallerNonceGcm(key, false, 0);
      case NATIVE -> {
        if (!NativeGcm.available()) {
          throw new UnsupportedParametersException(
              "the native AES-GCM backend is not in use here: " + NativeGcm.status());
        }
        yield new CallerNonceGcm(key, true, Integer.MAX_VALUE);
      }
    };
  }

  /** Whether this key seals and opens natively. */
  boolean isNative() {
    return nativeKey != null;
  }

  /**
   * Encrypts {@code in[inOff, inOff+len)} into {@code out} at {@code outOff} as ciphertext || tag;
   * the associated data is {@code aad1 || aad2} (either may be null). Returns bytes written ({@code
   * len + 16}).
   */
  public int seal(
      byte[] nonce,
      int nonceOff,
      int nonceLen,
      byte[] aad1,
      byte[] aad2,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    return seal(CIPHERS.get(), nonce, nonceOff, nonceLen, aad1, aad2, in, inOff, len, out, outOff);
  }

  /**
   * As {@link #seal(byte[], int, int, byte[], byte[], byte[], int, int, byte[], int)} with the
   * caller's own {@link Session} instead of this thread's shared cipher.
   */
  public int seal(
      Session session,
      byte[] nonce,
      int nonceOff,
      int nonceLen,
      byte[] aad1,
      byte[] aad2,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    return seal(session.cipher, nonce, nonceOff, nonceLen, aad1, aad2, in, inOff, len, out, outOff);
  }

  private int seal(
      Cipher cipher,
      byte[] nonce,
      int nonceOff,
      int nonceLen,
      byte[] aad1,
      byte[] aad2,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    checkNonce(nonceLen);
    if (out.length - outOff < len + TAG_BYTES) {
      throw new IllegalArgumentException("output buffer too small for AES-GCM ciphertext");
    }
    if (nativeKey != null
        && len < nativeBelow
        && nativeRanges(nonce, nonceOff, in, inOff, len, out, outOff, true)) {
      if (nativeKey.seal(nonce, nonceOff, aad1, aad2, in, inOff, len, out, outOff) != 0) {
        throw new OutOfMemoryError("native AES-GCM: out of native memory");
      }
      return len + TAG_BYTES;
    }
    try {
      cipher.init(
          Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce, nonceOff, nonceLen));
      updateAad(cipher, aad1, aad2);
      return cipher.doFinal(in, inOff, len, out, outOff);
    } catch (GeneralSecurityException e) {
      throw new PipesealCryptoException("AES-GCM encryption failed", e);
    }
  }

  /**
   * Verifies and decrypts ciphertext || tag in {@code in[inOff, inOff+len)} into {@code out}.
   * Nothing is written unless the tag verifies (the JDK buffers until the tag is checked). Returns
   * the plaintext length.
   */
  public int open(
      byte[] nonce,
      int nonceOff,
      int nonceLen,
      byte[] aad1,
      byte[] aad2,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    return open(CIPHERS.get(), nonce, nonceOff, nonceLen, aad1, aad2, in, inOff, len, out, outOff);
  }

  /**
   * As {@link #open(byte[], int, int, byte[], byte[], byte[], int, int, byte[], int)} with the
   * caller's own {@link Session} instead of this thread's shared cipher.
   */
  public int open(
      Session session,
      byte[] nonce,
      int nonceOff,
      int nonceLen,
      byte[] aad1,
      byte[] aad2,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    return open(session.cipher, nonce, nonceOff, nonceLen, aad1, aad2, in, inOff, len, out, outOff);
  }

  private int open(
      Cipher cipher,
      byte[] nonce,
      int nonceOff,
      int nonceLen,
      byte[] aad1,
      byte[] aad2,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff) {
    checkNonce(nonceLen);
    if (len < TAG_BYTES) {
      throw new TruncatedCiphertextException(
          "AES-GCM ciphertext is " + len + " bytes, shorter than its tag (16)");
    }
    if (out.length - outOff < len - TAG_BYTES) {
      throw new IllegalArgumentException("output buffer too small for AES-GCM plaintext");
    }
    if (nativeKey != null
        && len - TAG_BYTES < nativeBelow
        && nativeRanges(nonce, nonceOff, in, inOff, len, out, outOff, false)) {
      int rc = nativeKey.open(nonce, nonceOff, aad1, aad2, in, inOff, len, out, outOff);
      if (rc == 1) {
        throw new AuthenticationFailedException(
            "AES-GCM tag mismatch: tampered ciphertext, wrong key or wrong associated data");
      }
      if (rc != 0) {
        throw new OutOfMemoryError("native AES-GCM: out of native memory");
      }
      return len - TAG_BYTES;
    }
    try {
      cipher.init(
          Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce, nonceOff, nonceLen));
      updateAad(cipher, aad1, aad2);
      return cipher.doFinal(in, inOff, len, out, outOff);
    } catch (AEADBadTagException e) {
      throw new AuthenticationFailedException(
          "AES-GCM tag mismatch: tampered ciphertext, wrong key or wrong associated data");
    } catch (GeneralSecurityException e) {
      throw new PipesealCryptoException("AES-GCM decryption failed", e);
    }
  }

  /** Convenience form: returns ciphertext || tag. */
  public byte[] seal(byte[] nonce, byte[] plaintext, byte[] aad) {
    byte[] out = new byte[plaintext.length + TAG_BYTES];
    seal(nonce, 0, nonce.length, aad, null, plaintext, 0, plaintext.length, out, 0);
    return out;
  }

  /** Convenience form of {@link #open}: takes ciphertext || tag, returns the plaintext. */
  public byte[] open(byte[] nonce, byte[] ciphertextAndTag, byte[] aad) {
    checkNonce(nonce.length);
    if (ciphertextAndTag.length < TAG_BYTES) {
      throw new TruncatedCiphertextException(
          "AES-GCM ciphertext is " + ciphertextAndTag.length + " bytes, shorter than its tag (16)");
    }
    byte[] out = new byte[ciphertextAndTag.length - TAG_BYTES];
    open(nonce, 0, nonce.length, aad, null, ciphertextAndTag, 0, ciphertextAndTag.length, out, 0);
    return out;
  }

  /**
   * Whether every range lies inside its array, so native code may touch it, and the input and
   * output do not partly overlap (libsodium seals in place only at the same offset). Anything else
   * goes to JCE, which throws for bad ranges and decides what partial overlap gives.
   */
  private static boolean nativeRanges(
      byte[] nonce,
      int nonceOff,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff,
      boolean sealing) {
    int outLen = sealing ? len + TAG_BYTES : len - TAG_BYTES;
    if (nonceOff < 0
        || nonceOff > nonce.length - NONCE_BYTES
        || inOff < 0
        || len < 0
        || inOff > in.length - len
        || outOff < 0
        || outLen < 0
        || outOff > out.length - outLen) {
      return false;
    }
    // Opening decrypts into native scratch memory first, so any overlap is fine there.
    return !sealing
        || in != out
        || inOff == outOff
        || inOff + len <= outOff
        || outOff + outLen <= inOff;
  }

  private static void checkNonce(int nonceLen) {
    if (nonceLen != NONCE_BYTES) {
      throw new UnsupportedParametersException(
          "AES-GCM layer supports only 96-bit nonces, got " + nonceLen * 8 + " bits");
    }
  }

  private static void updateAad(Cipher cipher, byte[] aad1, byte[] aad2) {
    if (aad1 != null && aad1.length > 0) {
      cipher.updateAAD(aad1);
    }
    if (aad2 != null && aad2.length > 0) {
      cipher.updateAAD(aad2);
    }
  }

  private static Cipher newCipher() {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new PipesealCryptoException("AES/GCM/NoPadding is not available", e);
    }
  }

  @Override
  public String toString() {
    return "CallerNonceGcm[AES-256-GCM]";
  }
}
