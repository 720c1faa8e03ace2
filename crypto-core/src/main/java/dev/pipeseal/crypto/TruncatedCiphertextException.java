package dev.pipeseal.crypto;

/** A ciphertext is shorter than its format requires (cut off in transit or storage). */
public final class TruncatedCiphertextException extends PipesealCryptoException {
  private static final long serialVersionUID = 1L;

  public TruncatedCiphertextException(String message) {
    super(message);
  }
}
