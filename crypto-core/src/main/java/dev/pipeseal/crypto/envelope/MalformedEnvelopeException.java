package dev.pipeseal.crypto.envelope;

import dev.pipeseal.crypto.PipesealCryptoException;

/**
 * An envelope's structure is invalid: a non-canonical or out-of-range length varint, an empty key
 * reference, or a body whose length no encoder produces.
 */
public final class MalformedEnvelopeException extends PipesealCryptoException {
  private static final long serialVersionUID = 1L;

  public MalformedEnvelopeException(String message) {
    super(message);
  }
}
