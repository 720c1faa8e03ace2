package dev.pipeseal.kms;

import dev.pipeseal.crypto.key.DataKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Moves one wrapped DEK to the provider new keys come from: unwrap with the provider the record
 * names, {@link Kms#wrap} under the same master key name with the writer. Both calls go through the
 * same {@link Kms} (a bridge that routes by provider id), so both sides are audited, retried and
 * throttled like any other key operation; the DEK exists only as a {@link DataKey} handle between
 * the two calls and is closed when the wrap completes.
 */
public final class KeyMigration {
  private KeyMigration() {}

  /** True when {@code wrapped} still names another provider than {@code kms} writes with. */
  public static boolean needed(Kms kms, WrappedKey wrapped) {
    return !kms.providerId().equals(wrapped.provider());
  }

  /**
   * The same DEK wrapped under {@code wrapped.masterKeyName()} in {@code kms}'s writer; {@code
   * wrapped} itself when it is already there. Fails with the provider's typed exception (the old
   * provider's on unwrap, the new one's on wrap), and then nothing was produced.
   */
  public static CompletionStage<WrappedKey> moveTo(Kms kms, WrappedKey wrapped) {
    if (!needed(kms, wrapped)) {
      return CompletableFuture.completedFuture(wrapped);
    }
    return kms.unwrap(wrapped)
        .thenCompose(
            dek -> {
              CompletionStage<WrappedKey> stage;
              try {
                stage = kms.wrap(dek, wrapped.masterKeyName());
              } catch (RuntimeException e) {
                stage = CompletableFuture.failedFuture(e);
              }
              return stage.whenComplete((w, e) -> dek.close());
            });
  }
}
