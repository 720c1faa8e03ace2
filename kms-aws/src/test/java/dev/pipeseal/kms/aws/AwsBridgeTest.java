package dev.pipeseal.kms.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.hierarchy.KekKms;
import dev.pipeseal.kms.testing.MotoServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AWS KMS under the full decorator stack, and what the stack does when moto dies or hangs. */
class AwsBridgeTest {
  @TempDir Path dir;
  MotoServer moto;

  @BeforeEach
  void startMoto() throws Exception {
    moto = Moto.start(dir);
  }

  @AfterEach
  void stopMoto() {
    if (moto != null) {
      moto.close();
    }
  }

  static String hex(DataKey k) {
    return HexFormat.of().formatHex(k.withMaterial(byte[]::clone));
  }

  @Test
  void steadyStateIsOneKmsCallPerMasterKeyAndRotationRewrapsKeksOnly() throws Exception {
    List<WrappedKey> wrapped = new ArrayList<>();
    List<String> secrets = new ArrayList<>();
    try (KmsBridge kms = KmsBridge.open(Moto.bridgeProperties(moto, dir))) {
      KmsAdmin admin = kms.admin().orElseThrow();
      admin.createKey("pii");
      for (int i = 0; i < 20_000; i++) {
        try (DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"))) {
          if (i % 2000 == 0) {
            wrapped.add(pair.wrapped());
            secrets.add(hex(pair.plaintext()));
          }
        }
      }
      assertThat(wrapped.get(0).algorithm()).isEqualTo(KekKms.ALGORITHM);
      assertThat(wrapped.get(0).provider()).isEqualTo("aws-kms");
      assertThat(kms.providerMetrics().operation("generate").calls()).isEqualTo(1);

      admin.rotateKey("pii");
      List<WrappedKey> rewrapped = KmsCalls.await(kms.rewrapAll(wrapped));
      // One batch holding the one KEK behind all ten DEKs.
      assertThat(kms.providerMetrics().operation("rewrapAll").calls()).isEqualTo(1);
      assertThat(kms.providerMetrics().operation("rewrap").calls()).isZero();
      assertThat(rewrapped).allSatisfy(w -> assertThat(w.masterKeyVersion()).isEqualTo("2"));
      for (int i = 0; i < wrapped.size(); i++) {
        try (DataKey k = KmsCalls.await(kms.unwrap(rewrapped.get(i)))) {
          assertThat(hex(k)).isEqualTo(secrets.get(i));
        }
      }
    }
    // A new process: one Decrypt of the KEK serves every DEK under it.
    try (KmsBridge reader = KmsBridge.open(Moto.bridgeProperties(moto, dir))) {
      for (int i = 0; i < wrapped.size(); i++) {
        try (DataKey k = KmsCalls.await(reader.unwrap(wrapped.get(i)))) {
          assertThat(hex(k)).isEqualTo(secrets.get(i));
        }
      }
      assertThat(reader.providerMetrics().operation("unwrap").calls()).isEqualTo(1);
    }
  }

  @Test
  void aKilledServerFailsClearlyAndTheBridgeRecoversAfterRestart() throws Exception {
    Map<String, String> props = Moto.bridgeProperties(moto, dir);
    props.put("pipeseal.kms.timeout", "2s");
    props.put("pipeseal.kms.retries", "2");
    props.put("pipeseal.kms.retry.initial-backoff", "50ms");
    props.put("pipeseal.kms.kek.enabled", "false");
    try (KmsBridge kms = KmsBridge.open(props)) {
      kms.admin().orElseThrow().createKey("pii");
      WrappedKey cachedKey;
      String cachedSecret;
      try (DataKeyPair p = KmsCalls.await(kms.generateDataKey("pii"))) {
        cachedKey = p.wrapped();
        cachedSecret = hex(p.plaintext());
      }
      KmsCalls.await(kms.unwrap(cachedKey)).close(); // now in the DEK cache
      moto.kill();
      long start = System.nanoTime();
      assertThatThrownBy(() -> KmsCalls.await(kms.generateDataKey("pii")))
          .isInstanceOf(KmsUnavailableException.class)
          .hasMessageContaining("[aws-kms key 'pii']")
          .hasMessageContaining("cannot reach AWS KMS");
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      // Three attempts (ours), none multiplied by SDK retries; each fails fast on a refused port.
      assertThat(kms.providerMetrics().operation("generate").failures()).isEqualTo(3);
      assertThat(took).isLessThan(Duration.ofSeconds(6));
      // Keys already unwrapped keep working from the cache while the KMS is down.
      try (DataKey k = KmsCalls.await(kms.unwrap(cachedKey))) {
        assertThat(hex(k)).isEqualTo(cachedSecret);
      }

      moto.start(); // same port, empty state, as a replaced server with its keys restored
      kms.admin().orElseThrow().createKey("pii");
      try (DataKeyPair p = KmsCalls.await(kms.generateDataKey("pii"));
          DataKey back = KmsCalls.await(kms.unwrap(p.wrapped()))) {
        assertThat(hex(back)).isEqualTo(hex(p.plaintext()));
      }
    }
  }

  @Test
  void aHungServerCostsOneTimeoutBudgetPerAttempt() throws Exception {
    Map<String, String> props = Moto.bridgeProperties(moto, dir);
    props.put("pipeseal.kms.timeout", "2s");
    props.put("pipeseal.kms.retries", "1");
    props.put("pipeseal.kms.retry.initial-backoff", "50ms");
    props.put("pipeseal.kms.kek.enabled", "false");
    props.put("pipeseal.kms.cache.enabled", "false");
    try (AwsKms admin =
        (AwsKms)
            dev.pipeseal.kms.KmsProviders.open(
                "aws-kms://" + Moto.REGION, Moto.settings(moto, dir))) {
      admin.createKey("pii"); // with the generous test timeout: moto is slow on a busy machine
    }
    try (KmsBridge kms = KmsBridge.open(props)) {
      WrappedKey w;
      try (DataKeyPair p = KmsCalls.await(kms.generateDataKey("pii"))) {
        w = p.wrapped();
      }
      moto.pause();
      try {
        long start = System.nanoTime();
        assertThatThrownBy(() -> KmsCalls.await(kms.unwrap(w)))
            .isInstanceOf(KmsUnavailableException.class)
            .hasMessageContaining("'pii'");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took)
            .isGreaterThanOrEqualTo(Duration.ofMillis(1900))
            .isLessThan(Duration.ofSeconds(8));
      } finally {
        moto.resume();
      }
      try (DataKey k = KmsCalls.await(kms.unwrap(w))) {
        assertThat(k).isNotNull();
      }
    }
  }
}
