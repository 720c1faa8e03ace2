package dev.pipeseal.crypto.envelope;

import dev.pipeseal.crypto.PipesealCryptoException;

/** The algorithm byte of an envelope names no algorithm of its format version. */
public final class UnknownAlgorithmException extends PipesealCryptoException {
  private static final long serialVersionUID = 1L;

  public UnknownAlgorithmException(String message) {
    super(message);
  }
}
