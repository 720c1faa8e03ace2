package dev.pipeseal.spark.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.metrics.DecryptFailureKind;
import dev.pipeseal.kms.metrics.MetricSample;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * {@code spark.plugins=dev.pipeseal.spark.metrics.PipesealMetricsPlugin}: the KMS bridges' counters
 * of each JVM (driver and executors) as Dropwizard gauges on the plugin's metric registry. Spark
 * names them {@code <app>.<executor>.plugin.dev.pipeseal.spark.metrics.PipesealMetricsPlugin.NAME}.
 *
 * <p>The gauges are a fixed set, summed over every bridge the JVM has open and over master keys
 * (Dropwizard names are registered once, while keys appear as they are used): {@code kms.OP.calls}
 * and {@code kms.OP.failures} for {@code generate}, {@code unwrap}, {@code rewrap}, {@code
 * rewrapAll} and {@code describe}, {@code kms.errors}, {@code kms.unavailable} (outages and
 * throttling), {@code kms.provider.calls}, {@code kms.cache.hits}, {@code kms.cache.misses} and
 * {@code deks.generated}; from the data path, {@code values.encrypted}, {@code decrypt.failures}
 * and {@code decrypt.failures.KIND} for every {@link DecryptFailureKind} label ({@code
 * authentication_failed}, {@code unknown_key}, {@code wrong_type}, ...), counting values that
 * failed whether the query failed or a {@code try_} function returned null. Per-key and per-column
 * counters are on JMX (each JVM's {@code dev.pipeseal} MBeans).
 */
public final class PipesealMetricsPlugin implements SparkPlugin {
  static final String[] OPERATIONS = {"generate", "unwrap", "rewrap", "rewrapAll", "describe"};

  @Override
  public DriverPlugin driverPlugin() {
    return new DriverPlugin() {
      @Override
      public void registerMetrics(String appId, PluginContext context) {
        register(context.metricRegistry());
      }
    };
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext context, Map<String, String> extraConf) {
        register(context.metricRegistry());
      }
    };
  }

  /** Registers the gauges on {@code registry}. */
  static void register(MetricRegistry registry) {
    for (String op : OPERATIONS) {
      gauge(
          registry,
          "kms." + op + ".calls",
          "pipeseal_kms_calls_total",
          s -> op.equals(s.labels().get("operation")));
      gauge(
          registry,
          "kms." + op + ".failures",
          "pipeseal_kms_failures_total",
          s -> op.equals(s.labels().get("operation")));
    }
    gauge(registry, "kms.errors", "pipeseal_kms_errors_total", s -> true);
    gauge(
        registry,
        "kms.unavailable",
        "pipeseal_kms_errors_total",
        s -> "KmsUnavailableException".equals(s.labels().get("type")));
    gauge(registry, "kms.provider.calls", "pipeseal_kms_provider_calls_total", s -> true);
    gauge(registry, "kms.cache.hits", "pipeseal_kms_cache_hits_total", s -> true);
    gauge(registry, "kms.cache.misses", "pipeseal_kms_cache_misses_total", s -> true);
    gauge(registry, "deks.generated", "pipeseal_deks_generated_total", s -> true);
    gauge(registry, "values.encrypted", "pipeseal_values_encrypted_total", s -> true);
    gauge(registry, "decrypt.failures", "pipeseal_decrypt_failures_total", s -> true);
    for (DecryptFailureKind kind : DecryptFailureKind.values()) {
      gauge(
          registry,
          "decrypt.failures." + kind.label(),
          "pipeseal_decrypt_failures_total",
          s -> kind.label().equals(s.labels().get("kind")));
    }
  }

  private static void gauge(
      MetricRegistry registry, String name, String sample, Predicate<MetricSample> which) {
    registry.register(
        name,
        (Gauge<Long>)
            () ->
                (long)
                    SharedKmsBridges.samples().stream()
                        .filter(s -> s.name().equals(sample))
                        .filter(which)
                        .mapToDouble(MetricSample::value)
                        .sum());
  }
}
