package dev.pipeseal.jobs.run;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.WrappedKey;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Limits the rate of key operations a job sends through the bridge. Does not own the bridge. */
final class ThrottledKms implements Kms {
  private final Kms delegate;
  private final Throttle throttle;

  ThrottledKms(Kms delegate, Throttle throttle) {
    this.delegate = delegate;
    this.throttle = throttle;
  }

  @Override
  public String providerId() {
    return delegate.providerId();
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    throttle.acquire(1);
    return delegate.generateDataKey(masterKeyName);
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    throttle.acquire(1);
    return delegate.unwrap(wrapped);
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    throttle.acquire(1);
    return delegate.rewrap(wrapped);
  }

  @Override
  public CompletionStage<List<WrappedKey>> rewrapAll(List<WrappedKey> wrapped) {
    throttle.acquire(Math.max(1, wrapped.size()));
    return delegate.rewrapAll(wrapped);
  }

  @Override
  public CompletionStage<WrappedKey> wrap(DataKey dek, String masterKeyName) {
    throttle.acquire(1);
    return delegate.wrap(dek, masterKeyName);
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    return delegate.describe(masterKeyName);
  }

  @Override
  public void close() {
    // The shared bridge outlives one job.
  }
}
