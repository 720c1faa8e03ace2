package dev.pipeseal.registry.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.ForwardingKms;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.kms.testing.HadoopKmsServer;
import dev.pipeseal.registry.KeyRegistries;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Hadoop KMS server stops in the middle of a registry rewrap: the run reports what failed,
 * every record stays readable and unwraps to the same DEK, and a rerun after the restart finishes
 * the job.
 */
class RegistryRewrapOutageTest {
  private static final int RECORDS = 20;

  @TempDir Path dir;

  private static KmsBridge bridge(HadoopKmsServer server) {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("pipeseal.kms.uri", server.uri().toString());
    server.clientConfig().forEach((k, v) -> props.put("pipeseal.kms.provider." + k, v));
    props.put("pipeseal.kms.provider.timeout", "3s");
    // Every record is a Hadoop EEK of its own, so the outage hits records, not one KEK.
    props.put("pipeseal.kms.kek.enabled", "false");
    props.put("pipeseal.kms.cache.enabled", "false");
    props.put("pipeseal.kms.retries", "0");
    props.put("pipeseal.kms.audit.sink", "none");
    return KmsBridge.open(props);
  }

  @Test
  void outageMidRewrapLosesNothingAndRerunCompletes() {
    try (HadoopKmsServer server = HadoopKmsServer.startHttp();
        KeyRegistry registry = KeyRegistries.open(dir.resolve("registry"))) {
      server.createKey("lake");
      Map<KeyId, String> deks = new HashMap<>();
      try (KmsBridge kms = bridge(server)) {
        for (int i = 0; i < RECORDS; i++) {
          try (DataKeyPair pair = KmsCalls.await(kms.generateDataKey("lake"))) {
            deks.put(registry.register(pair.wrapped()), hex(pair.plaintext()));
          }
        }
        String newVersion = server.rollNewVersion("lake");

        // The server goes down right after the first batch of 5 was rewrapped.
        AtomicInteger batches = new AtomicInteger();
        Kms stopsAfterFirstBatch =
            new ForwardingKms(kms) {
              @Override
              public void close() {} // the bridge is closed by the try block

              @Override
              public CompletionStage<List<WrappedKey>> rewrapAll(List<WrappedKey> wrapped) {
                if (batches.getAndIncrement() == 1) {
                  server.stop();
                }
                return super.rewrapAll(wrapped);
              }
            };
        List<String> problems = new ArrayList<>();
        RewrapReport interrupted =
            new RegistryRewrapper(stopsAfterFirstBatch, registry, null, false, 5, problems::add)
                .run();
        assertThat(interrupted.rewrapped()).isEqualTo(5);
        assertThat(interrupted.failed()).isEqualTo(RECORDS - 5);
        assertThat(interrupted.complete()).isFalse();
        assertThat(interrupted.partial(false)).isTrue();
        assertThat(problems).isNotEmpty().allMatch(line -> line.contains("lake"));

        // Nothing corrupted: every record still reads, at generation 1 or 2.
        for (KeyId id : deks.keySet()) {
          RegistryRecord r = registry.read(id).orElseThrow();
          assertThat(r.generation()).isBetween(1L, 2L);
        }

        server.restart();
        for (KeyId id : deks.keySet()) {
          assertThat(unwrapHex(kms, registry.read(id).orElseThrow().wrapped()))
              .isEqualTo(deks.get(id));
        }
        RewrapReport rerun =
            new RegistryRewrapper(kms, registry, null, false, 5, problems::add).run();
        assertThat(rerun.complete()).isTrue();
        assertThat(rerun.rewrapped()).isEqualTo(RECORDS - 5);
        assertThat(rerun.current()).isEqualTo(5);
        MasterKeyInfo info = KmsCalls.await(kms.describe("lake"));
        assertThat(info.currentVersion()).isEqualTo(newVersion);
        for (KeyId id : deks.keySet()) {
          WrappedKey current = registry.read(id).orElseThrow().wrapped();
          assertThat(current.masterKeyVersion()).isEqualTo(newVersion);
          assertThat(unwrapHex(kms, current)).isEqualTo(deks.get(id));
        }
      }
    }
  }

  private static String unwrapHex(Kms kms, WrappedKey wrapped) {
    try (DataKey key = KmsCalls.await(kms.unwrap(wrapped))) {
      return hex(key);
    }
  }

  private static String hex(DataKey key) {
    return key.withMaterial(b -> HexFormat.of().formatHex(b));
  }
}
