package dev.pipeseal.kafka.serde;

import dev.pipeseal.kafka.keys.LeasedEnvelopeReader;
import dev.pipeseal.kafka.keys.LeasedEnvelopeWriter;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.metrics.DecryptFailureKind;
import dev.pipeseal.kms.metrics.KmsMetrics;
import java.util.LinkedHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.metrics.Measurable;
import org.apache.kafka.common.metrics.PluginMetrics;

/**
 * Registers a serde's counters as Kafka plugin metrics (KIP-877): the client adds them to its own
 * {@code metrics()} and reporters (JMX {@code kafka.producer:type=plugins,...}), tagged with the
 * config and class of the plugin. Only the {@code Monitorable*} subclasses load this class, so the
 * plain serdes never link against {@link PluginMetrics} and still load on clients before 4.1.
 *
 * <p>Every value is read when the client's metrics are read; nothing is added to the record path.
 */
final class PluginMetricsBinding {
  /** KMS operations a serde causes: generate (serializers), unwrap (deserializers). */
  private static final String[] OPERATIONS = {"generate", "unwrap"};

  private PluginMetricsBinding() {}

  /** The serializer's values encrypted and its bridge's KMS and cache counters. */
  static void bind(PluginMetrics metrics, EncryptingSerializer<?> serializer) {
    Supplier<LeasedEnvelopeWriter> leased = serializer::leased;
    add(
        metrics,
        "records-encrypted-total",
        "Values (records, or fields in field mode) this serializer encrypted",
        new LinkedHashMap<>(),
        () -> {
          LeasedEnvelopeWriter w = leased.get();
          return w == null ? 0 : w.writer().valuesEncrypted();
        });
    bindKms(
        metrics,
        () -> {
          LeasedEnvelopeWriter w = leased.get();
          return w == null ? null : w.bridge();
        });
  }

  /** The deserializer's decrypt failures by kind and its bridge's KMS and cache counters. */
  static void bind(PluginMetrics metrics, DecryptingDeserializer<?> deserializer) {
    Supplier<LeasedEnvelopeReader> leased = deserializer::leased;
    for (DecryptFailureKind kind : DecryptFailureKind.values()) {
      LinkedHashMap<String, String> tags = new LinkedHashMap<>();
      tags.put("kind", kind.label());
      add(
          metrics,
          "decrypt-failures-total",
          "Values this deserializer could not decrypt, by kind",
          tags,
          () -> {
            LeasedEnvelopeReader r = leased.get();
            return r == null ? 0 : r.failures().count(kind);
          });
    }
    bindKms(
        metrics,
        () -> {
          LeasedEnvelopeReader r = leased.get();
          return r == null ? null : r.bridge();
        });
  }

  // The bridge is shared by every serde of the JVM with the same KMS settings: these are its
  // counters, not this serde's share of them.
  private static void bindKms(PluginMetrics metrics, Supplier<KmsBridge> bridge) {
    for (String op : OPERATIONS) {
      LinkedHashMap<String, String> tags = new LinkedHashMap<>();
      tags.put("operation", op);
      kms(
          metrics,
          bridge,
          "kms-calls-total",
          "KMS bridge calls as callers saw them (cache hits included), shared bridge",
          tags,
          m -> m.operation(op).calls());
      kms(
          metrics,
          bridge,
          "kms-failures-total",
          "KMS bridge calls that failed, shared bridge",
          tags,
          m -> m.operation(op).failures());
      kms(
          metrics,
          bridge,
          "kms-latency-avg-seconds",
          "Mean latency of KMS bridge calls, shared bridge",
          tags,
          m -> m.operation(op).meanNanos() / 1e9);
    }
    kms(
        metrics,
        bridge,
        "kms-cache-hits-total",
        "Unwrapped-key cache hits, shared bridge",
        new LinkedHashMap<>(),
        m -> m.cache().hits());
    kms(
        metrics,
        bridge,
        "kms-cache-misses-total",
        "Unwrapped-key cache misses, shared bridge",
        new LinkedHashMap<>(),
        m -> m.cache().misses());
    kms(
        metrics,
        bridge,
        "kms-unavailable-total",
        "KMS calls that failed as unavailable or throttled, shared bridge",
        new LinkedHashMap<>(),
        m -> m.errors().getOrDefault("KmsUnavailableException", 0L));
  }

  private static void kms(
      PluginMetrics metrics,
      Supplier<KmsBridge> bridge,
      String name,
      String description,
      LinkedHashMap<String, String> tags,
      ToDoubleFunction<KmsMetrics> value) {
    add(
        metrics,
        name,
        description,
        tags,
        () -> {
          KmsBridge b = bridge.get();
          return b == null ? 0 : value.applyAsDouble(b.metrics());
        });
  }

  private static void add(
      PluginMetrics metrics,
      String name,
      String description,
      LinkedHashMap<String, String> tags,
      java.util.function.DoubleSupplier value) {
    metrics.addMetric(
        metrics.metricName(name, description, tags),
        (Measurable) (config, now) -> value.getAsDouble());
  }
}
