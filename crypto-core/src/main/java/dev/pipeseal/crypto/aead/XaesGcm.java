package dev.pipeseal.crypto.aead;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.TruncatedCiphertextException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * XAES-256-GCM (C2SP): AES-256-GCM with 192-bit nonces. The first 12 nonce bytes select a subkey
 * derived with a CMAC-style KDF; the last 12 are the GCM nonce under that subkey. Random 192-bit
 * nonces never collide in practice, and a writer that fixes the first half and counts in the second
 * derives its subkey once and pays plain GCM cost per message.
 *
 * <p>Thread-safe. Subkey derivation is rare (once per writer stream, a few times per reader), so it
 * shares one block cipher under a lock.
 */
public final class XaesGcm {
  public static final int KEY_BYTES = 32;
  public static final int NONCE_BYTES = 24;
  public static final int DERIVATION_NONCE_BYTES = 12;
  public static final int TAG_BYTES = CallerNonceGcm.TAG_BYTES;

  private final Cipher block;
  private final byte[] k1 = new byte[16];

  private XaesGcm(byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new UnsupportedParametersException(
          "XAES-256-GCM needs a 256-bit key, got " + key.length * 8 + " bits");
    }
    try {
      block = Cipher.getInstance("AES/ECB/NoPadding");
      block.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
      byte[] l = block.doFinal(new byte[16]);
      Gf128.dbl(l, k1);
    } catch (GeneralSecurityException e) {
      throw new PipesealCryptoException("AES/ECB/NoPadding is not available", e);
    }
  }

  /** Builds the KDF state for {@code key}; the array is copied, the caller may zero it. */
  public static XaesGcm create(byte[] key) {
    return new XaesGcm(key);
  }

  /**
   * Derives the GCM subkey for nonces starting with {@code nonce[off, off+12)}. The returned key
   * keeps per-thread cipher state, so callers reuse it for every nonce with that prefix.
   */
  public CallerNonceGcm deriveSubkey(byte[] nonce, int off) {
    byte[] kx = deriveKeyBytes(nonce, off);
    try {
      return CallerNonceGcm.create(kx);
    } finally {
      Arrays.fill(kx, (byte) 0);
    }
  }

  /**
   * As {@link #deriveSubkey} for a subkey used by one value only: no per-thread cipher of its own.
   */
  public CallerNonceGcm deriveEphemeralSubkey(byte[] nonce, int off) {
    byte[] kx = deriveKeyBytes(nonce, off);
    try {
      // On JCE: a native key for one value would cost more to set up than it saves.
      return CallerNonceGcm.create(kx, CallerNonceGcm.Backend.JCE);
    } finally {
      Arrays.fill(kx, (byte) 0);
    }
  }

  private byte[] deriveKeyBytes(byte[] nonce, int off) {
    if (nonce.length - off < DERIVATION_NONCE_BYTES) {
      throw new UnsupportedParametersException("XAES-256-GCM derivation needs 12 nonce bytes");
    }
    // M1 = 0x00 0x01 'X' 0x00 || N[:12], M2 = 0x00 0x02 'X' 0x00 || N[:12], each XORed with K1.
    byte[] m = new byte[32];
    m[1] = 1;
    m[2] = 'X';
    m[17] = 2;
    m[18] = 'X';
    System.arraycopy(nonce, off, m, 4, DERIVATION_NONCE_BYTES);
    System.arraycopy(nonce, off, m, 20, DERIVATION_NONCE_BYTES);
    Gf128.xor(m, 0, k1, 0, 16);
    Gf128.xor(m, 16, k1, 0, 16);
    try {
      synchronized (block) {
        return block.doFinal(m);
      }
    } catch (GeneralSecurityException e) {
      throw new PipesealCryptoException("XAES-256-GCM subkey derivation failed", e);
    }
  }

  /** One-shot encryption with a 24-byte nonce: returns ciphertext || tag. */
  public byte[] encrypt(byte[] nonce, byte[] plaintext, byte[] aad) {
    checkNonce(nonce);
    byte[] out = new byte[plaintext.length + TAG_BYTES];
    deriveEphemeralSubkey(nonce, 0)
        .seal(nonce, 12, 12, aad, null, plaintext, 0, plaintext.length, out, 0);
    return out;
  }

  /** One-shot decryption with a 24-byte nonce of ciphertext || tag. */
  public byte[] decrypt(byte[] nonce, byte[] ciphertextAndTag, byte[] aad) {
    checkNonce(nonce);
    if (ciphertextAndTag.length < TAG_BYTES) {
      throw new TruncatedCiphertextException(
          "XAES-256-GCM ciphertext is "
              + ciphertextAndTag.length
              + " bytes, shorter than its tag (16)");
    }
    byte[] out = new byte[ciphertextAndTag.length - TAG_BYTES];
    deriveEphemeralSubkey(nonce, 0)
        .open(nonce, 12, 12, aad, null, ciphertextAndTag, 0, ciphertextAndTag.length, out, 0);
    return out;
  }

  private static void checkNonce(byte[] nonce) {
    if (nonce.length != NONCE_BYTES) {
      throw new UnsupportedParametersException(
          "XAES-256-GCM needs a 192-bit nonce, got " + nonce.length * 8 + " bits");
    }
  }

  @Override
  public String toString() {
    return "XaesGcm[XAES-256-GCM]";
  }
}
