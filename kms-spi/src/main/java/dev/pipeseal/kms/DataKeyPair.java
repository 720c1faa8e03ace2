package dev.pipeseal.kms;

import dev.pipeseal.crypto.key.DataKey;
import java.util.Objects;

/**
 * A freshly generated DEK: the plaintext key (owned by this pair until closed) and its wrapped
 * form, which is safe to store next to data.
 */
public record DataKeyPair(DataKey plaintext, WrappedKey wrapped) implements AutoCloseable {
  public DataKeyPair {
    Objects.requireNonNull(plaintext, "plaintext");
    Objects.requireNonNull(wrapped, "wrapped");
  }

  @Override
  public void close() {
    plaintext.close();
  }

  @Override
  public String toString() {
    return "DataKeyPair[" + wrapped + "]";
  }
}
