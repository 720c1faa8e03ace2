package dev.pipeseal.kms.resilience;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.ForwardingKms;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Bounds every call with a timeout and retries transient failures ({@link KmsUnavailableException},
 * timeouts) with exponential backoff and full jitter. Definite answers (unknown key, access denied,
 * invalid wrapped key, bad config) are never retried: repeating them only adds load and delay.
 *
 * <p>Delays and timeouts run on a scheduler, never by sleeping on the caller's thread.
 */
public final class ResilientKms extends ForwardingKms {
  private final Kms inner;
  private final ResilienceConfig config;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;

  /** With its own single daemon scheduler thread, shut down by {@link #close()}. */
  public ResilientKms(Kms inner, ResilienceConfig config) {
    this(inner, config, newScheduler(), true);
  }

  /** With a shared scheduler that the caller shuts down. */
  public ResilientKms(Kms inner, ResilienceConfig config, ScheduledExecutorService scheduler) {
    this(inner, config, scheduler, false);
  }

  private ResilientKms(
      Kms inner, ResilienceConfig config, ScheduledExecutorService scheduler, boolean owns) {
    super(inner);
    this.inner = inner;
    this.config = Objects.requireNonNull(config, "config");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.ownsScheduler = owns;
  }

  private static ScheduledExecutorService newScheduler() {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, "pipeseal-kms-retry");
          t.setDaemon(true);
          return t;
        });
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return call("generate", masterKeyName, () -> inner.generateDataKey(masterKeyName));
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    return call("unwrap", wrapped.masterKeyName(), () -> inner.unwrap(wrapped));
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    return call("rewrap", wrapped.masterKeyName(), () -> inner.rewrap(wrapped));
  }

  @Override
  public CompletionStage<List<WrappedKey>> rewrapAll(List<WrappedKey> wrapped) {
    String name =
        wrapped.stream().map(WrappedKey::masterKeyName).distinct().count() == 1
            ? wrapped.get(0).masterKeyName()
            : null;
    return call("rewrapAll", name, () -> inner.rewrapAll(wrapped));
  }

  @Override
  public CompletionStage<WrappedKey> wrap(DataKey dek, String masterKeyName) {
    return call("wrap", masterKeyName, () -> inner.wrap(dek, masterKeyName));
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    return call("describe", masterKeyName, () -> inner.describe(masterKeyName));
  }

  @Override
  public void close() {
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
    inner.close();
  }

  private <T> CompletionStage<T> call(
      String op, String keyName, Supplier<CompletionStage<T>> action) {
    CompletableFuture<T> result = new CompletableFuture<>();
    attempt(new Call<>(op, keyName, action, result), 1);
    return result;
  }

  private record Call<T>(
      String op,
      String keyName,
      Supplier<CompletionStage<T>> action,
      CompletableFuture<T> result) {}

  private <T> void attempt(Call<T> call, int attempt) {
    CompletableFuture<T> bounded = new CompletableFuture<>();
    ScheduledFuture<?> timer;
    try {
      timer =
          scheduler.schedule(
              () ->
                  bounded.completeExceptionally(
                      new KmsUnavailableException(
                          providerId(),
                          call.keyName(),
                          call.op() + " timed out after " + config.timeout().toMillis() + " ms")),
              config.timeout().toNanos(),
              TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) { // scheduler shut down: we are closed
      call.result().completeExceptionally(closed(call));
      return;
    }
    CompletionStage<T> stage;
    try {
      stage = call.action().get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    stage.whenComplete(
        (value, error) -> {
          timer.cancel(false);
          if (error != null) {
            bounded.completeExceptionally(cause(error));
          } else if (!bounded.complete(value)) {
            discard(value); // answered after the timeout: nobody will close it
          }
        });
    bounded.whenComplete(
        (value, error) -> {
          if (error == null) {
            call.result().complete(value);
            return;
          }
          Throwable cause = cause(error);
          if (cause instanceof KmsUnavailableException transient_) {
            if (attempt < config.maxAttempts()) {
              long delay = backoffNanos(config, attempt, ThreadLocalRandom.current().nextDouble());
              try {
                scheduler.schedule(() -> attempt(call, attempt + 1), delay, TimeUnit.NANOSECONDS);
              } catch (RuntimeException e) {
                call.result().completeExceptionally(closed(call));
              }
              return;
            }
            call.result()
                .completeExceptionally(
                    new KmsUnavailableException(
                        providerId(),
                        call.keyName(),
                        call.op()
                            + " failed after "
                            + attempt
                            + " attempts; last error: "
                            + transient_.getMessage(),
                        transient_));
            return;
          }
          call.result().completeExceptionally(definite(call, cause, attempt));
        });
  }

  /**
   * Delay before retry number {@code attempt} (1-based): uniform in [0, min(max, initial *
   * 2^(attempt-1))], "full jitter", so that many clients failing together do not retry together.
   *
   * @param unit a uniform random number in [0, 1)
   */
  static long backoffNanos(ResilienceConfig config, int attempt, double unit) {
    long initial = config.initialBackoff().toNanos();
    long max = config.maxBackoff().toNanos();
    int shift = Math.min(attempt - 1, 40);
    long cap = initial > (max >> shift) ? max : Math.min(max, initial << shift);
    return (long) (unit * (cap + 1));
  }

  /** A non-retried failure keeps its type; after retries, its message also says how many. */
  private KmsException definite(Call<?> call, Throwable cause, int attempt) {
    if (!(cause instanceof KmsException k)) {
      return new KmsException(
          providerId(),
          call.keyName(),
          call.op() + " failed unexpectedly: " + cause.getClass().getName(),
          cause);
    }
    if (attempt == 1) {
      return k;
    }
    String message = call.op() + " failed on attempt " + attempt + ": " + k.getMessage();
    if (k instanceof UnknownKeyException) {
      return new UnknownKeyException(k.provider(), k.keyName(), message, k);
    }
    if (k instanceof AccessDeniedException) {
      return new AccessDeniedException(k.provider(), k.keyName(), message, k);
    }
    if (k instanceof InvalidWrappedKeyException) {
      return new InvalidWrappedKeyException(k.provider(), k.keyName(), message, k);
    }
    if (k instanceof KmsConfigException) {
      return new KmsConfigException(k.provider(), k.keyName(), message, k);
    }
    return new KmsException(k.provider(), k.keyName(), message, k);
  }

  private KmsException closed(Call<?> call) {
    return new KmsException(providerId(), call.keyName(), call.op() + ": KMS bridge is closed");
  }

  private static Throwable cause(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static void discard(Object value) {
    if (value instanceof DataKey key) {
      key.close();
    } else if (value instanceof DataKeyPair pair) {
      pair.close();
    }
  }
}
