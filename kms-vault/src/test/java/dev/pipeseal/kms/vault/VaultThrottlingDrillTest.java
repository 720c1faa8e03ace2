package dev.pipeseal.kms.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.kms.secret.SecretSource;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * KMS misbehaving drill over HTTP: the full bridge stack in front of the Vault Transit provider,
 * with the contract stub answering 429 (rate limit) and 503 (sealed). 50 concurrent readers of DEKs
 * under one KEK must share one retried KEK unwrap: the requests reaching Vault never exceed the
 * configured attempts.
 */
class VaultThrottlingDrillTest {
  private static final String TOKEN = "hvs.drill-token-4c1e";
  private static final int RETRIES = 2;
  private static final int ATTEMPTS = RETRIES + 1;
  private static final int CALLERS = 50;
  private static final int DEKS = 10;

  private VaultStub vault;

  @BeforeEach
  void start() throws Exception {
    vault = new VaultStub();
    vault.validTokens.add(TOKEN);
    vault.createKey("pii");
  }

  @AfterEach
  void stop() {
    vault.close();
  }

  private KmsBridge bridge() {
    VaultKms provider =
        new VaultKms(
            VaultConfig.parse(
                URI.create(vault.address() + "/transit"),
                Map.of("token", "env:VAULT_TOKEN", "namespace", VaultStub.NAMESPACE)),
            SecretSource.withEnvironment(Map.of("VAULT_TOKEN", TOKEN)::get),
            Clock.systemUTC());
    KmsBridgeConfig config =
        KmsBridgeConfig.fromProperties(
            Map.of(
                "pipeseal.kms.uri",
                vault.address() + "/transit",
                "pipeseal.kms.timeout",
                "5s",
                "pipeseal.kms.retries",
                String.valueOf(RETRIES),
                "pipeseal.kms.retry.initial-backoff",
                "5ms",
                "pipeseal.kms.retry.max-backoff",
                "20ms",
                "pipeseal.kms.audit.sink",
                "none"));
    return KmsBridge.assemble(provider, config, Clock.systemUTC());
  }

  private long decrypts() {
    return vault.http.requests().stream()
        .filter(r -> r.path().equals("/v1/transit/decrypt/pii"))
        .count();
  }

  /** 50 unwraps over the DEKs, all issued before Vault answers the first request. */
  private List<CompletableFuture<DataKey>> unwrapConcurrently(
      KmsBridge reader, List<WrappedKey> deks) {
    List<CompletableFuture<DataKey>> calls = new ArrayList<>();
    // The stub takes each request under its own lock: holding it keeps every answer back.
    synchronized (vault.http) {
      for (int i = 0; i < CALLERS; i++) {
        calls.add(reader.unwrap(deks.get(i % DEKS)).toCompletableFuture());
      }
    }
    return calls;
  }

  @Test
  void throttledVaultGetsBoundedRetriesSharedByAllCallersAndRecovers() throws Exception {
    List<WrappedKey> deks = new ArrayList<>();
    List<String> hex = new ArrayList<>();
    try (KmsBridge writer = bridge()) {
      for (int i = 0; i < DEKS; i++) {
        try (DataKeyPair pair = writer.generateDataKey("pii").toCompletableFuture().join()) {
          deks.add(pair.wrapped());
          hex.add(HexFormat.of().formatHex(pair.plaintext().withMaterial(byte[]::clone)));
        }
      }
    }

    // Throttled twice, then answered: everyone succeeds on the third attempt.
    try (KmsBridge reader = bridge()) {
      vault.http.failNext(RETRIES, VaultStub.error(429, "rate limit quota exceeded"));
      long before = decrypts();
      for (CompletableFuture<DataKey> f : unwrapConcurrently(reader, deks)) {
        f.get(60, TimeUnit.SECONDS).close();
      }
      assertThat(decrypts() - before).isEqualTo(ATTEMPTS);
      assertThat(reader.providerMetrics().errors())
          .containsEntry("KmsUnavailableException", (long) RETRIES);
      assertThat(reader.metrics().errors()).isEmpty();
      System.out.printf(
          "DRILL vault-429: callers=%d vaultRequests=%d bound=%d callerFailures=0%n",
          CALLERS, decrypts() - before, ATTEMPTS);
    }

    // Sealed for longer than the retry budget: every caller fails, typed, after the same attempts.
    try (KmsBridge reader = bridge()) {
      vault.http.failNext(ATTEMPTS, VaultStub.error(503, "Vault is sealed"));
      long before = decrypts();
      List<CompletableFuture<DataKey>> calls = unwrapConcurrently(reader, deks);
      for (CompletableFuture<DataKey> f : calls) {
        Throwable e;
        try {
          f.get(60, TimeUnit.SECONDS).close();
          throw new AssertionError("expected a failure");
        } catch (ExecutionException x) {
          e = x.getCause();
        }
        assertThat(e).isInstanceOf(KmsUnavailableException.class);
        KmsException k = (KmsException) e;
        assertThat(k.provider()).isEqualTo("vault");
        assertThat(k.keyName()).isEqualTo("pii");
        assertThat(e.getMessage())
            .contains("unwrap failed after " + ATTEMPTS + " attempts")
            .contains("HTTP 503");
        for (Throwable c = e; c != null; c = c.getCause()) {
          String m = String.valueOf(c.getMessage());
          assertThat(m).doesNotContain(TOKEN);
          for (String h : hex) {
            assertThat(m.toLowerCase(Locale.ROOT)).doesNotContain(h);
            assertThat(m)
                .doesNotContain(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(h)));
          }
        }
      }
      long observed = decrypts() - before;
      assertThat(observed).isEqualTo(ATTEMPTS);
      assertThat(reader.metrics().errors()).containsEntry("KmsUnavailableException", 50L);
      assertThat(reader.providerMetrics().errors())
          .containsEntry("KmsUnavailableException", (long) ATTEMPTS);

      // Unsealed: the same reader recovers with one request.
      for (int i = 0; i < DEKS; i++) {
        try (DataKey k = reader.unwrap(deks.get(i)).toCompletableFuture().join()) {
          assertThat(HexFormat.of().formatHex(k.withMaterial(byte[]::clone))).isEqualTo(hex.get(i));
        }
      }
      assertThat(decrypts() - before).isEqualTo(ATTEMPTS + 1);
      System.out.printf(
          "DRILL vault-503: callers=%d vaultRequests=%d bound=%d recoveryRequests=1%n",
          CALLERS, observed, ATTEMPTS);
    }
  }
}
