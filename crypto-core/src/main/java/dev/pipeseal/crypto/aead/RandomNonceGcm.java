package dev.pipeseal.crypto.aead;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.TruncatedCiphertextException;
import dev.pipeseal.crypto.key.DataKey;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with a random 96-bit nonce per message: output is {@code nonce(12) || ciphertext ||
 * tag(16)}. Meant for low-volume uses such as wrapping keys (random nonces are safe for far fewer
 * than 2^32 messages per key; every call is counted against the key's usage limit). Bulk data goes
 * through the envelope format instead, which derives subkeys and never approaches that bound.
 */
public final class RandomNonceGcm implements Aead {
  public static final int NONCE_BYTES = 12;
  public static final int TAG_BYTES = 16;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final DataKey key;
  private final SecretKey jceKey;
  // Cipher.getInstance is expensive; one per thread per handle.
  private final ThreadLocal<Cipher> ciphers =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
              throw new PipesealCryptoException("AES/GCM/NoPadding is not available", e);
            }
          });

  private RandomNonceGcm(DataKey key) {
    this.key = key.retain();
    this.jceKey = key.withMaterial(bytes -> new SecretKeySpec(bytes, "AES"));
  }

  /** A handle on {@code key}; it holds its own reference until {@link #close()}. */
  public static RandomNonceGcm create(DataKey key) {
    return new RandomNonceGcm(key);
  }

  @Override
  public byte[] encrypt(byte[] plaintext, byte[] associatedData) {
    key.countEncryptions(1);
    byte[] out = new byte[NONCE_BYTES + plaintext.length + TAG_BYTES];
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
    try {
      Cipher cipher = ciphers.get();
      cipher.init(Cipher.ENCRYPT_MODE, jceKey, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      if (associatedData != null && associatedData.length > 0) {
        cipher.updateAAD(associatedData);
      }
      cipher.doFinal(plaintext, 0, plaintext.length, out, NONCE_BYTES);
      return out;
    } catch (GeneralSecurityException e) {
      throw new PipesealCryptoException("AES-GCM encryption failed", e);
    }
  }

  @Override
  public byte[] decrypt(byte[] ciphertext, byte[] associatedData) {
    if (ciphertext.length < NONCE_BYTES + TAG_BYTES) {
      throw new TruncatedCiphertextException(
          "AES-GCM ciphertext is "
              + ciphertext.length
              + " bytes, shorter than nonce and tag ("
              + (NONCE_BYTES + TAG_BYTES)
              + ")");
    }
    if (key.isDestroyed()) {
      throw new dev.pipeseal.crypto.key.KeyDestroyedException("AES-GCM key was destroyed");
    }
    try {
      Cipher cipher = ciphers.get();
      cipher.init(
          Cipher.DECRYPT_MODE,
          jceKey,
          new GCMParameterSpec(TAG_BYTES * 8, ciphertext, 0, NONCE_BYTES));
      if (associatedData != null && associatedData.length > 0) {
        cipher.updateAAD(associatedData);
      }
      return cipher.doFinal(ciphertext, NONCE_BYTES, ciphertext.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new AuthenticationFailedException(
          "AES-GCM tag mismatch: tampered ciphertext, wrong key or wrong associated data");
    } catch (GeneralSecurityException e) {
      throw new PipesealCryptoException("AES-GCM decryption failed", e);
    }
  }

  @Override
  public void close() {
    key.close();
  }
}
