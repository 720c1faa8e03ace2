package dev.pipeseal.crypto.envelope;

import dev.pipeseal.crypto.PipesealCryptoException;

/** The key-reference kind byte of an envelope names no kind of its format version. */
public final class UnknownKeyReferenceKindException extends PipesealCryptoException {
  private static final long serialVersionUID = 1L;

  public UnknownKeyReferenceKindException(String message) {
    super(message);
  }
}
