package dev.pipeseal.crypto.aead;

import dev.pipeseal.crypto.PipesealCryptoException;

/**
 * The authentication tag did not verify: the ciphertext was tampered with, or it is being read with
 * the wrong key or in the wrong context (associated data). AEAD cannot tell these apart, so callers
 * add what they know (column, topic, key name) to the message.
 */
public final class AuthenticationFailedException extends PipesealCryptoException {
  private static final long serialVersionUID = 1L;

  public AuthenticationFailedException(String message) {
    super(message);
  }

  public AuthenticationFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
