package dev.pipeseal.crypto.key;

import dev.pipeseal.crypto.PipesealCryptoException;

/** A key was used after its last handle closed and its material was zeroed. */
public final class KeyDestroyedException extends PipesealCryptoException {
  private static final long serialVersionUID = 1L;

  public KeyDestroyedException(String message) {
    super(message);
  }
}
