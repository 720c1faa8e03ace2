package dev.pipeseal.kms;

import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** The one place that turns an asynchronous KMS answer into a value or its typed exception. */
public final class KmsCalls {
  private KmsCalls() {}

  /**
   * Waits for a KMS answer, rethrowing the provider's typed exception rather than the {@link
   * CompletionException} that wraps it, so callers see which provider and key failed.
   */
  public static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new KmsException("unknown", null, "KMS call failed", cause);
    }
  }
}
