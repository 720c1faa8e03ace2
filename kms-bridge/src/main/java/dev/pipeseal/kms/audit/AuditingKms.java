package dev.pipeseal.kms.audit;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.ForwardingKms;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.WrappedKey;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Writes one audit event per {@code generate}, {@code unwrap}, {@code rewrap} (one per key for
 * {@code rewrapAll}) and {@code wrap} (an existing key moved to this provider), successful or not.
 * Fails closed: when the event cannot be written, the operation fails and any key it produced is
 * destroyed, so no key access goes unrecorded. {@code describe} reveals no key and is not audited.
 */
public final class AuditingKms extends ForwardingKms {
  private final Kms inner;
  private final AuditLog log;

  public AuditingKms(Kms inner, AuditLog log) {
    super(inner);
    this.inner = inner;
    this.log = Objects.requireNonNull(log, "log");
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    String context = log.context();
    return audited(
        masterKeyName,
        () -> inner.generateDataKey(masterKeyName),
        (pair, error) ->
            log.record(
                providerId(),
                masterKeyName,
                pair == null ? null : pair.wrapped().masterKeyVersion(),
                "generate",
                outcome(error),
                context,
                null));
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    String context = log.context();
    return audited(
        wrapped.masterKeyName(),
        () -> inner.unwrap(wrapped),
        (key, error) ->
            log.record(
                wrapped.provider(),
                wrapped.masterKeyName(),
                wrapped.masterKeyVersion(),
                "unwrap",
                outcome(error),
                context,
                null));
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    String context = log.context();
    return audited(
        wrapped.masterKeyName(),
        () -> inner.rewrap(wrapped),
        (result, error) -> rewrapEvent(wrapped, result, error, context));
  }

  @Override
  public CompletionStage<List<WrappedKey>> rewrapAll(List<WrappedKey> wrapped) {
    String context = log.context();
    return audited(
        null,
        () -> inner.rewrapAll(wrapped),
        (results, error) -> {
          for (int i = 0; i < wrapped.size(); i++) {
            rewrapEvent(wrapped.get(i), results == null ? null : results.get(i), error, context);
          }
        });
  }

  /** The writing side of a migration: names the provider and version the key was wrapped under. */
  @Override
  public CompletionStage<WrappedKey> wrap(DataKey dek, String masterKeyName) {
    String context = log.context();
    return audited(
        masterKeyName,
        () -> inner.wrap(dek, masterKeyName),
        (result, error) ->
            log.record(
                result == null ? providerId() : result.provider(),
                masterKeyName,
                result == null ? null : result.masterKeyVersion(),
                "wrap",
                outcome(error),
                context,
                null));
  }

  private void rewrapEvent(WrappedKey from, WrappedKey to, Throwable error, String context) {
    log.record(
        from.provider(),
        from.masterKeyName(),
        from.masterKeyVersion(),
        "rewrap",
        outcome(error),
        context,
        to == null ? null : to.masterKeyVersion());
  }

  /** Closes the inner stack first, so destroy events of its caches are still written. */
  @Override
  public void close() {
    try {
      inner.close();
    } finally {
      log.close();
    }
  }

  private interface Recorder<T> {
    void record(T value, Throwable error);
  }

  private <T> CompletionStage<T> audited(
      String keyName, java.util.function.Supplier<CompletionStage<T>> call, Recorder<T> recorder) {
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    return stage
        .handle(
            (value, error) -> {
              Throwable cause = cause(error);
              try {
                recorder.record(value, cause);
              } catch (RuntimeException sinkFailure) {
                discard(value);
                throw new KmsException(
                    providerId(),
                    keyName,
                    "audit event could not be written; operation refused: " + sinkFailure,
                    sinkFailure);
              }
              if (cause != null) {
                throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
              }
              return value;
            })
        .toCompletableFuture();
  }

  private static String outcome(Throwable error) {
    return error == null ? "ok" : error.getClass().getSimpleName();
  }

  private static Throwable cause(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  private static void discard(Object value) {
    if (value instanceof DataKey key) {
      key.close();
    } else if (value instanceof DataKeyPair pair) {
      pair.close();
    }
  }
}
