package dev.pipeseal.kms.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedKmsBridgesTest {
  @TempDir Path dir;
  private Map<String, String> local;

  @BeforeEach
  void keyStore() throws Exception {
    SharedKmsBridges.closeAll();
    Path password = dir.resolve("ks.pass");
    Files.writeString(password, "shared\n");
    local =
        Map.of(
            "pipeseal.kms.uri",
            "local://" + dir.resolve("keys.p12"),
            "pipeseal.kms.provider.password",
            "file:" + password,
            "pipeseal.kms.provider.create",
            "true",
            "pipeseal.kms.audit.sink",
            "none");
  }

  @AfterEach
  void closeAll() {
    SharedKmsBridges.closeAll();
  }

  private static Map<String, String> renamed(Map<String, String> props, String prefix) {
    Map<String, String> out = new HashMap<>();
    props.forEach((k, v) -> out.put(prefix + k, v));
    return out;
  }

  @Test
  void sparkHadoopAndPlainPrefixesShareOneBridge() {
    long before = SharedKmsBridges.openedTotal();
    Map<String, String> spark = renamed(local, "spark.");
    spark.put("spark.app.name", "not a KMS setting");
    Map<String, String> hadoop = renamed(local, "spark.hadoop.");
    Map<String, String> explicitDefaults = new HashMap<>(local);
    explicitDefaults.put("pipeseal.kms.kek.enabled", " true ");
    try (SharedKmsBridges.Lease a = SharedKmsBridges.acquire(local);
        SharedKmsBridges.Lease b = SharedKmsBridges.acquire(spark);
        SharedKmsBridges.Lease c = SharedKmsBridges.acquire(hadoop);
        SharedKmsBridges.Lease d = SharedKmsBridges.acquire(explicitDefaults)) {
      assertThat(b.bridge()).isSameAs(a.bridge());
      assertThat(c.bridge()).isSameAs(a.bridge());
      assertThat(d.bridge()).isSameAs(a.bridge());
      assertThat(SharedKmsBridges.openCount()).isEqualTo(1);
      assertThat(SharedKmsBridges.openedTotal() - before).isEqualTo(1);
    }
    assertThat(SharedKmsBridges.openCount()).isZero();
  }

  @Test
  void differentSettingsOpenDifferentBridges() {
    Map<String, String> noCache = new HashMap<>(local);
    noCache.put("pipeseal.kms.cache.enabled", "false");
    try (SharedKmsBridges.Lease a = SharedKmsBridges.acquire(local);
        SharedKmsBridges.Lease b = SharedKmsBridges.acquire(noCache)) {
      assertThat(b.bridge()).isNotSameAs(a.bridge());
      assertThat(SharedKmsBridges.openCount()).isEqualTo(2);
    }
  }

  @Test
  void theLastLeaseClosesTheBridgeAndItsAttachmentsFirst() {
    AtomicInteger closes = new AtomicInteger();
    StringBuilder order = new StringBuilder();
    SharedKmsBridges.Lease a = SharedKmsBridges.acquire(local);
    SharedKmsBridges.Lease b = SharedKmsBridges.acquire(local);
    AutoCloseable first =
        a.attachment(
            "x",
            AutoCloseable.class,
            bridge -> () -> order.append("x").append(closes.incrementAndGet()));
    AutoCloseable again = b.attachment("x", AutoCloseable.class, bridge -> () -> order.append("!"));
    assertThat(again).isSameAs(first);
    a.close();
    a.close(); // idempotent: must not release b's reference
    assertThat(SharedKmsBridges.openCount()).isEqualTo(1);
    assertThat(closes).hasValue(0);
    b.close();
    assertThat(SharedKmsBridges.openCount()).isZero();
    assertThat(order).hasToString("x1");
    // A bridge closed with its last lease refuses work.
    assertThat(b.bridge().describe("pii").toCompletableFuture()).isCompletedExceptionally();
  }

  @Test
  void pinnedBridgesOutliveTheirLeasesUntilCloseAll() {
    SharedKmsBridges.Lease pinned = SharedKmsBridges.pinned(local);
    try (SharedKmsBridges.Lease lease = SharedKmsBridges.acquire(local)) {
      assertThat(lease.bridge()).isSameAs(pinned.bridge());
    }
    pinned.close(); // a no-op: the JVM holds this reference
    assertThat(SharedKmsBridges.openCount()).isEqualTo(1);
    assertThat(SharedKmsBridges.pinned(local).bridge()).isSameAs(pinned.bridge());
    SharedKmsBridges.closeAll();
    assertThat(SharedKmsBridges.openCount()).isZero();
    assertThat(SharedKmsBridges.pinned(local).bridge()).isNotSameAs(pinned.bridge());
  }

  @Test
  void thePlainNameOverridesTheSparkDerivedOnes() {
    Map<String, String> both = new HashMap<>(local);
    both.put("spark.pipeseal.kms.uri", "local:///elsewhere.p12");
    both.put("spark.hadoop.pipeseal.kms.cache.ttl", "1m");
    both.put("spark.pipeseal.kms.cache.ttl", "2m");
    Map<String, String> normalized = SharedKmsBridges.normalize(both);
    assertThat(normalized.get("pipeseal.kms.uri")).isEqualTo(local.get("pipeseal.kms.uri"));
    assertThat(normalized.get("pipeseal.kms.cache.ttl")).isEqualTo("2m");
  }

  @Test
  void normalizeKeepsOnlyKmsSettings() {
    assertThat(
            SharedKmsBridges.normalize(
                Map.of(
                    "spark.hadoop.pipeseal.kms.timeout", "5s",
                    "spark.pipeseal.kms.uri", " local:///k.p12 ",
                    "pipeseal.parquet.columns.pii", "ssn",
                    "spark.pipeseal.registry.location", "/r")))
        .containsExactlyEntriesOf(
            new java.util.TreeMap<>(
                Map.of("pipeseal.kms.timeout", "5s", "pipeseal.kms.uri", "local:///k.p12")));
  }
}
