package dev.pipeseal.parquet.policy;

import org.apache.parquet.crypto.ParquetCryptoRuntimeException;

/**
 * An encryption policy is invalid, or cannot be applied to a file's schema. Names the property,
 * selector, column or master key concerned.
 */
public final class PolicyException extends ParquetCryptoRuntimeException {
  private static final long serialVersionUID = 1L;

  public PolicyException(String message) {
    super(message);
  }

  public PolicyException(String message, Throwable cause) {
    super(message, cause);
  }
}
