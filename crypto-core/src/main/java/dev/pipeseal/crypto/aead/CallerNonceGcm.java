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

  private final SecretKeySpec key;

  private CallerNonceGcm(byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new UnsupportedParametersException(
          "AES-GCM layer supports only 256-bit keys, got " + key.length * 8 + " bits");
    }
    this.key = new SecretKeySpec(key, "AES");
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

  /** A key handle; threads share one cipher per thread. Copies {@code key}. */
  public static CallerNonceGcm create(byte[] key) {
    return new CallerNonceGcm(key);
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
