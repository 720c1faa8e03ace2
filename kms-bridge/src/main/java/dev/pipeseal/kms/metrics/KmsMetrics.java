package dev.pipeseal.kms.metrics;

import java.util.Map;

/**
 * A point-in-time copy of a bridge's counters, for a connector to export to whatever metrics system
 * it has (Spark accumulators, Kafka client metrics, logs).
 *
 * @param operations per operation ({@code generate}, {@code unwrap}, {@code rewrap}, {@code
 *     rewrapAll}, {@code describe}) as the caller saw it
 * @param errors failures per exception type (simple class name, e.g. {@code UnknownKeyException})
 * @param cache the unwrapped-key cache, or {@link Cache#NONE} without one
 * @param keys per master key name, per operation (operations on one key: generate, unwrap, rewrap,
 *     describe); names only, never key material
 */
public record KmsMetrics(
    Map<String, Operation> operations,
    Map<String, Long> errors,
    Cache cache,
    Map<String, Map<String, Operation>> keys) {
  public KmsMetrics {
    operations = Map.copyOf(operations);
    errors = Map.copyOf(errors);
    Map<String, Map<String, Operation>> k = new java.util.TreeMap<>();
    keys.forEach((name, ops) -> k.put(name, Map.copyOf(ops)));
    keys = java.util.Collections.unmodifiableMap(k);
  }

  /** Counters without a per-key breakdown. */
  public KmsMetrics(Map<String, Operation> operations, Map<String, Long> errors, Cache cache) {
    this(operations, errors, cache, Map.of());
  }

  /** Calls, failures and latency of one operation; latency includes failed calls. */
  public record Operation(long calls, long failures, long totalNanos, long maxNanos) {
    public static final Operation NONE = new Operation(0, 0, 0, 0);

    /** Mean latency in nanoseconds, 0 without calls. */
    public long meanNanos() {
      return calls == 0 ? 0 : totalNanos / calls;
    }
  }

  /** Unwrapped-key cache counters. */
  public record Cache(long hits, long misses, long evictions, long expirations, int size) {
    public static final Cache NONE = new Cache(0, 0, 0, 0, 0);
  }

  /** The counters of {@code operation}, zero if it was never called. */
  public Operation operation(String operation) {
    return operations.getOrDefault(operation, Operation.NONE);
  }
}
