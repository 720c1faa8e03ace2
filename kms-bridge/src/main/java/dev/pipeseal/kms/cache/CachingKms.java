package dev.pipeseal.kms.cache;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.ForwardingKms;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.WrappedKey;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Caches unwrapped DEKs by wrapped key (provider, master key, version, algorithm and bytes), so a
 * reader that meets the same wrapped key in many files, row groups or records asks the KMS once.
 * See {@link KeyCache} for ownership: callers close what {@link #unwrap} returns.
 *
 * <p>Generated keys are not cached for reuse: whether a DEK may encrypt more than one file or batch
 * is the connector's policy, not the bridge's. {@code describe} answers are reused for {@link
 * CacheConfig#describeTtl()}.
 */
public final class CachingKms extends ForwardingKms {
  private final Kms inner;
  private final CacheConfig config;
  private final LongSupplier nanoTime;
  private final KeyCache<WrappedKey> keys;
  private final Map<String, Described> descriptions = new ConcurrentHashMap<>();
  private final ScheduledExecutorService sweeper;

  private record Described(CompletableFuture<MasterKeyInfo> info, long expiresAt) {}

  public CachingKms(Kms inner, CacheConfig config) {
    this(inner, config, System::nanoTime, null, true);
  }

  /**
   * For tests and assembly: an explicit clock, a listener told when a cached key is dropped (and
   * destroyed once callers release it), and whether to run a background sweeper thread.
   */
  public CachingKms(
      Kms inner,
      CacheConfig config,
      LongSupplier nanoTime,
      KeyCache.RemovalListener<? super WrappedKey> onRemoval,
      boolean sweep) {
    super(inner);
    this.inner = inner;
    this.config = Objects.requireNonNull(config, "config");
    this.nanoTime = nanoTime;
    this.keys = new KeyCache<>(config.maxEntries(), config.ttl(), nanoTime, onRemoval);
    this.sweeper = sweep ? startSweeper(keys, config.ttl()) : null;
  }

  // Expiry is otherwise lazy; the sweeper bounds how long an idle process keeps keys in memory.
  private static ScheduledExecutorService startSweeper(KeyCache<?> keys, Duration ttl) {
    ScheduledExecutorService s =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pipeseal-kms-cache-sweeper");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(1_000, Math.min(60_000, ttl.toMillis() / 2));
    s.scheduleWithFixedDelay(keys::cleanUp, period, period, TimeUnit.MILLISECONDS);
    return s;
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    return keys.get(wrapped, inner::unwrap)
        .exceptionallyCompose(
            e ->
                CompletableFuture.failedFuture(
                    e instanceof IllegalStateException
                        ? new KmsException(
                            providerId(), wrapped.masterKeyName(), "key cache is closed")
                        : e));
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    if (config.describeTtl().isZero()) {
      return inner.describe(masterKeyName);
    }
    long now = nanoTime.getAsLong();
    Described d =
        descriptions.compute(
            masterKeyName,
            (name, old) -> {
              if (old != null
                  && now - old.expiresAt() < 0
                  && !old.info().isCompletedExceptionally()) {
                return old;
              }
              return new Described(
                  inner.describe(name).toCompletableFuture(), now + config.describeTtl().toNanos());
            });
    // Failures are answered once and then forgotten.
    d.info()
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                descriptions.remove(masterKeyName, d);
              }
            });
    if (descriptions.size() > config.maxEntries()) {
      descriptions.clear();
    }
    return d.info().thenApply(info -> info);
  }

  /** Hit, miss, eviction and expiry counters of the unwrapped-key cache. */
  public CacheStats stats() {
    return keys.stats();
  }

  /** Destroys expired keys now. */
  public void cleanUp() {
    keys.cleanUp();
  }

  @Override
  public void close() {
    if (sweeper != null) {
      sweeper.shutdownNow();
    }
    keys.close();
    descriptions.clear();
    inner.close();
  }
}
