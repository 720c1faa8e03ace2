package dev.pipeseal.kafka.serde;

import org.apache.kafka.common.metrics.Monitorable;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@link EncryptingSerializer} that also reports its counters as Kafka plugin metrics (KIP-877,
 * kafka-clients 4.1 and later): {@code records-encrypted-total} and the KMS bridge's calls, cache
 * hits and misses appear in {@code producer.metrics()} and the producer's metric reporters, group
 * {@code plugins}. Configure it instead of {@link EncryptingSerializer} on such clients; on older
 * clients this class cannot load, and {@link EncryptingSerializer} (which never references the
 * plugin-metrics API) is the one to use.
 */
public class MonitorableEncryptingSerializer<T> extends EncryptingSerializer<T>
    implements Monitorable {
  /** For configuration by class name: the inner serializer comes from properties. */
  public MonitorableEncryptingSerializer() {}

  /** Wraps {@code inner}; {@link #configure} still sets up keys from properties. */
  public MonitorableEncryptingSerializer(Serializer<T> inner) {
    super(inner);
  }

  @Override
  public void withPluginMetrics(PluginMetrics metrics) {
    PluginMetricsBinding.bind(metrics, this);
  }
}
