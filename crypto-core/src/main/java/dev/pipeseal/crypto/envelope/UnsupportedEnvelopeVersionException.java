package dev.pipeseal.crypto.envelope;

import dev.pipeseal.crypto.PipesealCryptoException;

/**
 * The first byte of a value names an envelope format version this reader does not know (or it is
 * not an envelope at all).
 */
public final class UnsupportedEnvelopeVersionException extends PipesealCryptoException {
  private static final long serialVersionUID = 1L;

  public UnsupportedEnvelopeVersionException(String message) {
    super(message);
  }
}
