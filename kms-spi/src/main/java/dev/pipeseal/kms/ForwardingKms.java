package dev.pipeseal.kms;

import dev.pipeseal.crypto.key.DataKey;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A {@link Kms} that passes every call to another; decorators and test doubles override only what
 * they change. {@link #close()} closes the delegate unless overridden (e.g. to share a provider).
 */
public abstract class ForwardingKms implements Kms {
  private final Kms delegate;

  protected ForwardingKms(Kms delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  protected final Kms delegate() {
    return delegate;
  }

  @Override
  public String providerId() {
    return delegate.providerId();
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return delegate.generateDataKey(masterKeyName);
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    return delegate.unwrap(wrapped);
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    return delegate.rewrap(wrapped);
  }

  @Override
  public CompletionStage<List<WrappedKey>> rewrapAll(List<WrappedKey> wrapped) {
    return delegate.rewrapAll(wrapped);
  }

  @Override
  public CompletionStage<WrappedKey> wrap(DataKey dek, String masterKeyName) {
    return delegate.wrap(dek, masterKeyName);
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    return delegate.describe(masterKeyName);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
