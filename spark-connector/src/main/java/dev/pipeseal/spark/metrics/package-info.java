/**
 * Pipeseal's KMS bridge counters in Spark's metrics system: {@link
 * dev.pipeseal.spark.metrics.PipesealMetricsPlugin} ({@code spark.plugins}) registers gauges on the
 * driver's and every executor's plugin metric registry, so they reach the sinks Spark is configured
 * with (JMX, CSV, Prometheus servlet, Graphite, ...).
 */
package dev.pipeseal.spark.metrics;
