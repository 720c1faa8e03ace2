package dev.pipeseal.kms;

import dev.pipeseal.crypto.key.DataKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One key source. Asynchronous so callers can prefetch keys and bound waits; blocking providers
 * complete on their own executor. Behaviour such as retries, caching, timeouts and metrics is
 * layered as decorators implementing this same interface, never as flags inside a provider.
 *
 * <p>Failures complete the stage exceptionally with a {@link KmsException} subtype that names the
 * provider and the master key.
 */
public interface Kms extends AutoCloseable {
  /** Short provider id recorded in every wrapped key, e.g. {@code local}, {@code hadoop-kms}. */
  String providerId();

  /**
   * Generates a fresh DEK and wraps it under the current version of {@code masterKeyName}. The
   * caller owns the returned {@link DataKeyPair} and must close it.
   */
  CompletionStage<DataKeyPair> generateDataKey(String masterKeyName);

  /** Unwraps a key this provider wrapped (any version of its master key that still exists). */
  CompletionStage<DataKey> unwrap(WrappedKey wrapped);

  /**
   * Re-wraps the same DEK under the current version of its master key, without exposing the DEK to
   * the caller. Returns {@code wrapped} itself when it is already current.
   */
  CompletionStage<WrappedKey> rewrap(WrappedKey wrapped);

  /**
   * Batch form of {@link #rewrap}; providers with a batch API (Hadoop KMS {@code
   * reencryptEncryptedKeys}) override it. Results are in input order.
   */
  default CompletionStage<List<WrappedKey>> rewrapAll(List<WrappedKey> wrapped) {
    List<CompletableFuture<WrappedKey>> futures = new ArrayList<>(wrapped.size());
    for (WrappedKey w : wrapped) {
      futures.add(rewrap(w).toCompletableFuture());
    }
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              List<WrappedKey> out = new ArrayList<>(futures.size());
              for (CompletableFuture<WrappedKey> f : futures) {
                out.add(f.join());
              }
              return out;
            });
  }

  /**
   * Wraps an existing DEK under the current version of {@code masterKeyName} in this provider: the
   * one operation key migration between providers needs (unwrap with the old provider, wrap with
   * the new). The DEK stays a {@link DataKey} handle; the caller keeps owning it and closes it
   * after the stage completes.
   *
   * <p>Providers that can encrypt arbitrary bytes under a master key (AWS KMS {@code Encrypt}, the
   * local key store) override it. The default refuses with a {@link KmsConfigException}: providers
   * whose API only generates keys (Hadoop KMS) are reached through the bridge's KEK layer, which
   * generates a KEK on the provider and wraps the DEK under it locally.
   */
  default CompletionStage<WrappedKey> wrap(DataKey dek, String masterKeyName) {
    return CompletableFuture.failedFuture(
        new KmsConfigException(
            providerId(),
            masterKeyName,
            "this provider cannot wrap an existing key; turn the KEK layer on"
                + " (pipeseal.kms.kek.enabled=true, the default) so that it wraps the key under a"
                + " KEK this provider generates"));
  }

  /** Name and current version of a master key; fails with {@link UnknownKeyException}. */
  CompletionStage<MasterKeyInfo> describe(String masterKeyName);

  /** Releases connections and cached state; does not touch keys in the KMS. */
  @Override
  void close();
}
