/**
 * Metrics as a decorator: {@link dev.pipeseal.kms.metrics.InstrumentedKms} counts calls, errors by
 * type and latency per operation and reports them, with the cache's counters, as one {@link
 * dev.pipeseal.kms.metrics.KmsMetrics} snapshot. No metrics library; connectors export snapshots.
 */
package dev.pipeseal.kms.metrics;
