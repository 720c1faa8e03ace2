package dev.pipeseal.crypto;

/**
 * Base of every error the core raises. Unchecked, because callers (Spark expressions, Kafka
 * serializers) cannot declare checked exceptions. Messages name what failed (context, key
 * reference, format version) and never contain key bytes or plaintext.
 */
public class PipesealCryptoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PipesealCryptoException(String message) {
    super(message);
  }

  public PipesealCryptoException(String message, Throwable cause) {
    super(message, cause);
  }
}
