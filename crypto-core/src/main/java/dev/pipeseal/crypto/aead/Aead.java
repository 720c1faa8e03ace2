package dev.pipeseal.crypto.aead;

/**
 * Authenticated encryption with associated data. Implementations are thread-safe handles over a
 * {@link dev.pipeseal.crypto.key.DataKey}; closing a handle releases its reference to the key.
 */
public interface Aead extends AutoCloseable {
  /** Returns a self-contained ciphertext (nonce, ciphertext and tag). */
  byte[] encrypt(byte[] plaintext, byte[] associatedData);

  /**
   * Inverse of {@link #encrypt}. Throws {@link AuthenticationFailedException} when the ciphertext,
   * key or associated data do not match, and {@link
   * dev.pipeseal.crypto.TruncatedCiphertextException} when it is too short to be one; never returns
   * unauthenticated bytes.
   */
  byte[] decrypt(byte[] ciphertext, byte[] associatedData);

  /** Releases this handle's reference to its key. */
  @Override
  void close();
}
