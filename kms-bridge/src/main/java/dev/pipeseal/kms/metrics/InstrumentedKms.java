package dev.pipeseal.kms.metrics;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.ForwardingKms;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.WrappedKey;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Counts calls, failures by type and latency per operation, with plain JDK counters so that no
 * metrics library lands on a Kafka client's classpath. {@link #snapshot()} copies them.
 */
public final class InstrumentedKms extends ForwardingKms {
  private final Kms inner;
  private final Supplier<KmsMetrics.Cache> cacheStats;
  private final LongSupplier nanoTime;
  private final Map<String, Counters> operations = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  // Master key names are few (configuration, not data), so a counter set per key stays small.
  private final Map<String, Map<String, Counters>> perKey = new ConcurrentHashMap<>();

  private static final class Counters {
    final LongAdder calls = new LongAdder();
    final LongAdder failures = new LongAdder();
    final LongAdder totalNanos = new LongAdder();
    final AtomicLong maxNanos = new AtomicLong();
  }

  public InstrumentedKms(Kms inner) {
    this(inner, () -> KmsMetrics.Cache.NONE, System::nanoTime);
  }

  /**
   * @param cacheStats where the snapshot's cache counters come from (the caching layer sits below
   *     and is not visible through the {@link Kms} interface)
   */
  public InstrumentedKms(Kms inner, Supplier<KmsMetrics.Cache> cacheStats, LongSupplier nanoTime) {
    super(inner);
    this.inner = inner;
    this.cacheStats = Objects.requireNonNull(cacheStats, "cacheStats");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return timed("generate", masterKeyName, () -> inner.generateDataKey(masterKeyName));
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    return timed("unwrap", wrapped.masterKeyName(), () -> inner.unwrap(wrapped));
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    return timed("rewrap", wrapped.masterKeyName(), () -> inner.rewrap(wrapped));
  }

  @Override
  public CompletionStage<List<WrappedKey>> rewrapAll(List<WrappedKey> wrapped) {
    return timed("rewrapAll", null, () -> inner.rewrapAll(wrapped));
  }

  @Override
  public CompletionStage<WrappedKey> wrap(DataKey dek, String masterKeyName) {
    return timed("wrap", masterKeyName, () -> inner.wrap(dek, masterKeyName));
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    return timed("describe", masterKeyName, () -> inner.describe(masterKeyName));
  }

  @Override
  public void close() {
    inner.close();
  }

  /** A copy of every counter now. */
  public KmsMetrics snapshot() {
    Map<String, KmsMetrics.Operation> ops = new TreeMap<>();
    operations.forEach(
        (name, c) ->
            ops.put(
                name,
                new KmsMetrics.Operation(
                    c.calls.sum(), c.failures.sum(), c.totalNanos.sum(), c.maxNanos.get())));
    Map<String, Long> errs = new TreeMap<>();
    errors.forEach((type, n) -> errs.put(type, n.sum()));
    Map<String, Map<String, KmsMetrics.Operation>> keys = new TreeMap<>();
    perKey.forEach(
        (key, counters) -> {
          Map<String, KmsMetrics.Operation> m = new TreeMap<>();
          counters.forEach((op, c) -> m.put(op, operation(c)));
          keys.put(key, m);
        });
    return new KmsMetrics(ops, errs, cacheStats.get(), keys);
  }

  private static KmsMetrics.Operation operation(Counters c) {
    return new KmsMetrics.Operation(
        c.calls.sum(), c.failures.sum(), c.totalNanos.sum(), c.maxNanos.get());
  }

  private <T> CompletionStage<T> timed(
      String op, String masterKeyName, Supplier<CompletionStage<T>> call) {
    Counters c = operations.computeIfAbsent(op, k -> new Counters());
    Counters k =
        masterKeyName == null
            ? null
            : perKey
                .computeIfAbsent(masterKeyName, n -> new ConcurrentHashMap<>())
                .computeIfAbsent(op, o -> new Counters());
    long start = nanoTime.getAsLong();
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    return stage.whenComplete(
        (value, error) -> {
          long elapsed = nanoTime.getAsLong() - start;
          c.calls.increment();
          c.totalNanos.add(elapsed);
          c.maxNanos.accumulateAndGet(elapsed, Math::max);
          if (k != null) {
            k.calls.increment();
            k.totalNanos.add(elapsed);
            k.maxNanos.accumulateAndGet(elapsed, Math::max);
            if (error != null) {
              k.failures.increment();
            }
          }
          if (error != null) {
            c.failures.increment();
            Throwable cause =
                error instanceof CompletionException && error.getCause() != null
                    ? error.getCause()
                    : error;
            errors
                .computeIfAbsent(cause.getClass().getSimpleName(), t -> new LongAdder())
                .increment();
          }
        });
  }
}
