/**
 * Metrics as a decorator: {@link dev.pipeseal.kms.metrics.InstrumentedKms} counts calls, errors by
 * type and latency per operation and reports them, with the cache's counters, as one {@link
 * dev.pipeseal.kms.metrics.KmsMetrics} snapshot, also per master key. Export without a metrics
 * library: {@link dev.pipeseal.kms.metrics.MetricSample} names each value for JMX ({@link
 * dev.pipeseal.kms.metrics.KmsMetricsMBean}, registered per shared bridge) and for the Prometheus
 * text format ({@link dev.pipeseal.kms.metrics.PrometheusText}). The data path's counters live here
 * too, so every exporter reads one registry: {@link dev.pipeseal.kms.metrics.DataPathMetrics}
 * (values encrypted per master key) and {@link dev.pipeseal.kms.metrics.DecryptFailures} (values
 * that failed to decrypt, by {@link dev.pipeseal.kms.metrics.DecryptFailureKind}).
 */
package dev.pipeseal.kms.metrics;
