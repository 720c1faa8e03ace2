package dev.pipeseal.kms.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.audit.AuditContext;
import dev.pipeseal.kms.fake.FakeKms;
import dev.pipeseal.kms.hierarchy.KekKms;
import dev.pipeseal.kms.json.FlatJson;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("try") // AuditContext scopes are used only for their side effect
class KmsBridgeTest {
  @TempDir Path dir;

  @Test
  void endToEndOverTheLocalKeyStore() throws Exception {
    Path passwordFile = dir.resolve("ks.pass");
    Files.writeString(passwordFile, "quick start\n");
    Path audit = dir.resolve("audit.jsonl");
    Map<String, String> properties =
        Map.of(
            "pipeseal.kms.uri",
            "local://" + dir.resolve("keys.p12"),
            "pipeseal.kms.provider.password",
            "file:" + passwordFile,
            "pipeseal.kms.provider.create",
            "true",
            "pipeseal.kms.audit.sink",
            "file",
            "pipeseal.kms.audit.file",
            audit.toString(),
            "pipeseal.kms.audit.principal",
            "etl");
    List<WrappedKey> wrapped = new ArrayList<>();
    List<String> secrets = new ArrayList<>();
    try (KmsBridge kms = KmsBridge.open(properties)) {
      KmsAdmin admin = kms.admin().orElseThrow();
      admin.createKey("pii");
      try (AuditContext.Scope ignored = AuditContext.with("spark:db.users.ssn")) {
        for (int i = 0; i < 10_000; i++) {
          try (DataKeyPair pair = kms.generateDataKey("pii").toCompletableFuture().join()) {
            if (i % 1000 == 0) {
              wrapped.add(pair.wrapped());
              secrets.add(HexFormat.of().formatHex(pair.plaintext().withMaterial(byte[]::clone)));
            }
          }
        }
      }
      assertThat(wrapped.get(0).algorithm()).isEqualTo(KekKms.ALGORITHM);
      assertThat(kms.providerMetrics().operation("generate").calls()).isEqualTo(1);
      assertThat(kms.metrics().operation("generate").calls()).isEqualTo(10_000);

      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < wrapped.size(); i++) {
          try (DataKey k = kms.unwrap(wrapped.get(i)).toCompletableFuture().join()) {
            assertThat(HexFormat.of().formatHex(k.withMaterial(byte[]::clone)))
                .isEqualTo(secrets.get(i));
          }
        }
      }
      assertThat(kms.metrics().cache().misses()).isEqualTo(10);
      assertThat(kms.metrics().cache().hits()).isEqualTo(10);
      assertThat(kms.providerMetrics().operation("unwrap").calls()).isZero();

      admin.rotateKey("pii");
      List<WrappedKey> rewrapped = kms.rewrapAll(wrapped).toCompletableFuture().join();
      assertThat(rewrapped).allSatisfy(w -> assertThat(w.masterKeyVersion()).isEqualTo("2"));
      assertThat(kms.providerMetrics().operation("rewrapAll").calls()).isEqualTo(1);
      try (DataKey k = kms.unwrap(rewrapped.get(3)).toCompletableFuture().join()) {
        assertThat(HexFormat.of().formatHex(k.withMaterial(byte[]::clone)))
            .isEqualTo(secrets.get(3));
      }
    }
    List<String> lines = Files.readAllLines(audit);
    assertThat(lines).hasSizeGreaterThan(10_000);
    for (String line : lines) {
      Map<String, Object> event = FlatJson.parse(line);
      assertThat(event).containsEntry("principal", "etl").containsEntry("provider", "local");
      for (String secret : secrets) {
        assertThat(line).doesNotContain(secret);
      }
    }
    assertThat(FlatJson.parse(lines.get(0))).containsEntry("context", "spark:db.users.ssn");
    // Destroyed on close: 11 cached DEKs, the KEK as made (version 1) and as rewrapped (version 2).
    assertThat(lines.stream().filter(l -> l.contains("\"op\":\"destroy\"")).count()).isEqualTo(13);
  }

  @Test
  void retriesBelowTheKekLayer() {
    FakeKms fake = new FakeKms("pii");
    fake.failNext(2, () -> new KmsUnavailableException("fake", "pii", "flaky"));
    KmsBridgeConfig config =
        KmsBridgeConfig.fromProperties(
            Map.of(
                "pipeseal.kms.uri", "fake:x",
                "pipeseal.kms.retry.initial-backoff", "1ms",
                "pipeseal.kms.retry.max-backoff", "2ms",
                "pipeseal.kms.audit.sink", "none"));
    try (KmsBridge kms = KmsBridge.assemble(fake, config, Clock.systemUTC())) {
      kms.generateDataKey("pii").toCompletableFuture().join().close();
      assertThat(kms.providerMetrics().operation("generate").calls()).isEqualTo(3);
      assertThat(kms.providerMetrics().errors()).containsEntry("KmsUnavailableException", 2L);
      assertThat(kms.metrics().operation("generate").failures()).isZero();
      assertThat(kms.admin()).isEmpty();
      assertThat(kms.providerId()).isEqualTo("fake");
    }
    assertThat(fake.closed).isTrue();
  }

  @Test
  void layersCanBeSwitchedOff() {
    FakeKms fake = new FakeKms("pii");
    KmsBridgeConfig config =
        KmsBridgeConfig.fromProperties(
            Map.of(
                "pipeseal.kms.uri", "fake:x",
                "pipeseal.kms.kek.enabled", "false",
                "pipeseal.kms.cache.enabled", "false",
                "pipeseal.kms.audit.sink", "none"));
    try (KmsBridge kms = KmsBridge.assemble(fake, config, Clock.systemUTC())) {
      WrappedKey w = kms.generateDataKey("pii").toCompletableFuture().join().wrapped();
      assertThat(w.algorithm()).isEqualTo(FakeKms.ALGORITHM);
      kms.unwrap(w).toCompletableFuture().join().close();
      kms.unwrap(w).toCompletableFuture().join().close();
      assertThat(fake.calls("unwrap")).isEqualTo(2);
      assertThat(kms.config().uri()).isEqualTo(URI.create("fake:x"));
    }
  }
}
