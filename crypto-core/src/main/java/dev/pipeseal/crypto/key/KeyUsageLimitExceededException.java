package dev.pipeseal.crypto.key;

import dev.pipeseal.crypto.PipesealCryptoException;

/** A data key reached its configured encryption limit; the caller must switch to a new key. */
public final class KeyUsageLimitExceededException extends PipesealCryptoException {
  private static final long serialVersionUID = 1L;

  public KeyUsageLimitExceededException(String message) {
    super(message);
  }
}
