package dev.pipeseal.crypto.aead;

/**
 * Deterministic authenticated encryption (as Tink's {@code DeterministicAead}): equal plaintexts
 * under equal key and associated data give equal ciphertexts, so encrypted values can still be
 * joined, grouped and partitioned. That equality is exactly what it leaks; use {@link Aead}
 * wherever equality is not needed.
 */
public interface DeterministicAead {
  /** Returns SIV || ciphertext; the associated data is one S2V component (empty when null). */
  byte[] encryptDeterministically(byte[] plaintext, byte[] associatedData);

  /**
   * Inverse of {@link #encryptDeterministically}; throws {@link AuthenticationFailedException} on
   * any mismatch and never returns unauthenticated bytes.
   */
  byte[] decryptDeterministically(byte[] ciphertext, byte[] associatedData);
}
