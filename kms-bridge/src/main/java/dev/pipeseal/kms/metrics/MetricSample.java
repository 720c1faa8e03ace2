package dev.pipeseal.kms.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One exported value, named once for every metrics system we feed: a Prometheus-style name and
 * labels (the CLI's metrics file, Spark's Dropwizard registry) and a flat attribute name for JMX.
 *
 * @param name Prometheus metric name, e.g. {@code pipeseal_kms_calls_total}
 * @param labels label values, e.g. {@code provider=local, operation=unwrap}
 * @param value the value now
 * @param counter true for a monotonically increasing count, false for a gauge
 * @param help one line on what it counts
 * @param attribute the JMX attribute name, e.g. {@code unwrap.calls}
 */
public record MetricSample(
    String name,
    Map<String, String> labels,
    double value,
    boolean counter,
    String help,
    String attribute) {
  public MetricSample {
    Objects.requireNonNull(name, "name");
    labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
  }

  /**
   * The samples of one bridge: counters as callers saw them (cache hits included), per master key,
   * errors by type, the DEK cache, and every attempt that reached the provider.
   */
  public static List<MetricSample> ofBridge(
      String provider, KmsMetrics callers, KmsMetrics providerCalls) {
    List<MetricSample> out = new ArrayList<>();
    callers
        .operations()
        .forEach(
            (op, o) -> {
              Map<String, String> l = labels("provider", provider, "operation", op);
              out.add(
                  new MetricSample(
                      "pipeseal_kms_calls_total",
                      l,
                      o.calls(),
                      true,
                      "KMS bridge calls as callers saw them (cache hits included)",
                      op + ".calls"));
              out.add(
                  new MetricSample(
                      "pipeseal_kms_failures_total",
                      l,
                      o.failures(),
                      true,
                      "KMS bridge calls that failed",
                      op + ".failures"));
              out.add(
                  new MetricSample(
                      "pipeseal_kms_latency_seconds_total",
                      l,
                      o.totalNanos() / 1e9,
                      true,
                      "Summed latency of KMS bridge calls",
                      op + ".latencySeconds"));
              out.add(
                  new MetricSample(
                      "pipeseal_kms_latency_max_seconds",
                      l,
                      o.maxNanos() / 1e9,
                      false,
                      "Slowest KMS bridge call so far",
                      op + ".maxLatencySeconds"));
            });
    out.add(
        new MetricSample(
            "pipeseal_deks_generated_total",
            labels("provider", provider),
            callers.operation("generate").calls() - callers.operation("generate").failures(),
            true,
            "Data keys generated",
            "deksGenerated"));
    callers
        .keys()
        .forEach(
            (key, ops) ->
                ops.forEach(
                    (op, o) -> {
                      Map<String, String> l =
                          labels("provider", provider, "key", key, "operation", op);
                      out.add(
                          new MetricSample(
                              "pipeseal_kms_key_calls_total",
                              l,
                              o.calls(),
                              true,
                              "KMS bridge calls per master key",
                              "key." + key + "." + op + ".calls"));
                      out.add(
                          new MetricSample(
                              "pipeseal_kms_key_failures_total",
                              l,
                              o.failures(),
                              true,
                              "Failed KMS bridge calls per master key",
                              "key." + key + "." + op + ".failures"));
                    }));
    callers
        .errors()
        .forEach(
            (type, n) ->
                out.add(
                    new MetricSample(
                        "pipeseal_kms_errors_total",
                        labels("provider", provider, "type", type),
                        n,
                        true,
                        "KMS bridge failures by exception type (KmsUnavailableException: outages"
                            + " and throttling)",
                        "errors." + type)));
    KmsMetrics.Cache c = callers.cache();
    Map<String, String> p = labels("provider", provider);
    out.add(
        new MetricSample(
            "pipeseal_kms_cache_hits_total",
            p,
            c.hits(),
            true,
            "Unwrapped-key cache hits",
            "cache.hits"));
    out.add(
        new MetricSample(
            "pipeseal_kms_cache_misses_total",
            p,
            c.misses(),
            true,
            "Unwrapped-key cache misses",
            "cache.misses"));
    out.add(
        new MetricSample(
            "pipeseal_kms_cache_size",
            p,
            c.size(),
            false,
            "Unwrapped keys cached now",
            "cache.size"));
    providerCalls
        .operations()
        .forEach(
            (op, o) -> {
              Map<String, String> l = labels("provider", provider, "operation", op);
              out.add(
                  new MetricSample(
                      "pipeseal_kms_provider_calls_total",
                      l,
                      o.calls(),
                      true,
                      "Attempts that reached the KMS provider (retries included)",
                      "provider." + op + ".calls"));
              out.add(
                  new MetricSample(
                      "pipeseal_kms_provider_failures_total",
                      l,
                      o.failures(),
                      true,
                      "Provider attempts that failed",
                      "provider." + op + ".failures"));
            });
    return out;
  }

  /** Labels from alternating names and values, in order. */
  public static Map<String, String> labels(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
