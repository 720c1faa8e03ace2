package dev.pipeseal.kafka.serde;

import org.apache.kafka.common.metrics.Monitorable;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * {@link DecryptingDeserializer} that also reports its counters as Kafka plugin metrics (KIP-877,
 * kafka-clients 4.1 and later): {@code decrypt-failures-total} per {@code kind} and the KMS
 * bridge's calls, cache hits and misses appear in {@code consumer.metrics()} and the consumer's
 * metric reporters, group {@code plugins}. Configure it instead of {@link DecryptingDeserializer}
 * on such clients; on older clients this class cannot load, and {@link DecryptingDeserializer}
 * (which never references the plugin-metrics API) is the one to use.
 */
public class MonitorableDecryptingDeserializer<T> extends DecryptingDeserializer<T>
    implements Monitorable {
  /** For configuration by class name: the inner deserializer comes from properties. */
  public MonitorableDecryptingDeserializer() {}

  /** Wraps {@code inner}; {@link #configure} still sets up keys from properties. */
  public MonitorableDecryptingDeserializer(Deserializer<T> inner) {
    super(inner);
  }

  @Override
  public void withPluginMetrics(PluginMetrics metrics) {
    PluginMetricsBinding.bind(metrics, this);
  }
}
