package dev.pipeseal.kms.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shared bridge's counters read back through the platform MBean server and as Prometheus text.
 */
class MetricsExportTest {
  @TempDir Path dir;

  @AfterEach
  void closeAll() {
    SharedKmsBridges.closeAll();
  }

  @Test
  void sharedBridgeIsAnMBeanWhileOpenAndRendersAsPrometheusText() throws Exception {
    SharedKmsBridges.closeAll();
    Path password = dir.resolve("ks.pass");
    Files.writeString(password, "metrics\n");
    Map<String, String> local =
        Map.of(
            "pipeseal.kms.uri",
            "local://" + dir.resolve("keys.p12"),
            "pipeseal.kms.provider.password",
            "file:" + password,
            "pipeseal.kms.provider.create",
            "true",
            "pipeseal.kms.audit.sink",
            "none");
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name;
    try (SharedKmsBridges.Lease lease = SharedKmsBridges.acquire(local)) {
      lease.bridge().admin().orElseThrow().createKey("pii");
      WrappedKey wrapped;
      try (DataKeyPair pair = KmsCalls.await(lease.bridge().generateDataKey("pii"))) {
        wrapped = pair.wrapped();
      }
      KmsCalls.await(lease.bridge().unwrap(wrapped)).close();
      KmsCalls.await(lease.bridge().unwrap(wrapped)).close();
      assertThatThrownBy(() -> KmsCalls.await(lease.bridge().generateDataKey("absent")))
          .hasMessageContaining("absent");

      Set<ObjectName> names =
          server.queryNames(
              new ObjectName("dev.pipeseal:type=KmsBridge,provider=\"local\",*"), null);
      assertThat(names).hasSize(1);
      name = names.iterator().next();
      assertThat(server.getAttribute(name, "generate.calls")).isEqualTo(2.0);
      assertThat(server.getAttribute(name, "generate.failures")).isEqualTo(1.0);
      assertThat(server.getAttribute(name, "deksGenerated")).isEqualTo(1.0);
      assertThat(server.getAttribute(name, "key.pii.unwrap.calls")).isEqualTo(2.0);
      assertThat(server.getAttribute(name, "errors.UnknownKeyException")).isEqualTo(1.0);
      // The second unwrap was answered by the DEK cache.
      assertThat((Double) server.getAttribute(name, "cache.hits")).isPositive();
      assertThat(server.getMBeanInfo(name).getAttributes()).isNotEmpty();

      String text = PrometheusText.render(SharedKmsBridges.samples());
      assertThat(text)
          .contains("# TYPE pipeseal_kms_calls_total counter")
          .contains(
              "pipeseal_kms_key_calls_total{provider=\"local\",key=\"pii\",operation=\"unwrap\","
                  + "bridge=\"")
          .containsPattern(
              "pipeseal_deks_generated_total\\{provider=\"local\",bridge=\"\\d+\"} 1\n")
          .containsPattern(
              "pipeseal_kms_errors_total\\{provider=\"local\",type=\"UnknownKeyException\","
                  + "bridge=\"\\d+\"} 1\n");
    }
    // Closed with its last lease: the MBean goes with it.
    assertThatThrownBy(() -> server.getMBeanInfo(name))
        .isInstanceOf(InstanceNotFoundException.class);
  }
}
