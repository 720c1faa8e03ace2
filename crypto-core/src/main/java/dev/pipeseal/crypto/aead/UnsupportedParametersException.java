package dev.pipeseal.crypto.aead;

import dev.pipeseal.crypto.PipesealCryptoException;

/**
 * A primitive was asked for a key size, nonce size or input shape it does not implement. Raised
 * instead of silently falling back to another parameter set.
 */
public final class UnsupportedParametersException extends PipesealCryptoException {
  private static final long serialVersionUID = 1L;

  public UnsupportedParametersException(String message) {
    super(message);
  }
}
