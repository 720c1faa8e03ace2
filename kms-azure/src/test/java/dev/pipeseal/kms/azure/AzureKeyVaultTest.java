package dev.pipeseal.kms.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.testing.HttpStub.Reply;
import dev.pipeseal.kms.testing.HttpStub.Request;
import dev.pipeseal.kms.testing.MutableClock;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contract test of the Azure Key Vault provider against {@link KeyVaultStub}. */
class AzureKeyVaultTest {
  private static final String VAULT = "azure-kv://lake.vault.azure.net";

  @TempDir Path dir;
  private KeyVaultStub kv;
  private final List<Throwable> failures = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    kv = new KeyVaultStub(false);
    kv.createKey("pii");
  }

  @AfterEach
  void stop() {
    kv.close();
    for (Throwable t : failures) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        for (String text : List.of(String.valueOf(c.getMessage()), c.toString())) {
          assertThat(text)
              .doesNotContain(
                  KeyVaultStub.CLIENT_SECRET, KeyVaultStub.TOKEN_PREFIX, kv.federatedToken);
        }
      }
    }
  }

  private static Map<String, String> clientSecretEnv() {
    return Map.of(
        "AZURE_TENANT_ID", KeyVaultStub.TENANT,
        "AZURE_CLIENT_ID", KeyVaultStub.CLIENT_ID,
        "AZURE_CLIENT_SECRET", KeyVaultStub.CLIENT_SECRET);
  }

  private AzureKeyVault open(
      String uri, Map<String, String> settings, Map<String, String> env, Clock clock) {
    Map<String, String> s = new HashMap<>(settings);
    s.putIfAbsent("endpoint", kv.http.uri().toString());
    s.putIfAbsent("authority-host", kv.http.uri().toString());
    s.putIfAbsent("imds-endpoint", kv.http.uri().toString());
    return new AzureKeyVault(
        AzureKeyVaultConfig.parse(URI.create(uri), s, env::get),
        SecretSource.withEnvironment(env::get),
        clock);
  }

  private AzureKeyVault openDefault() {
    return open(VAULT, Map.of(), clientSecretEnv(), Clock.systemUTC());
  }

  private <T extends Throwable> T failure(Class<T> type, Supplier<?> call) {
    Throwable[] caught = new Throwable[1];
    assertThatThrownBy(
            () -> {
              try {
                call.get();
              } catch (Throwable t) {
                caught[0] = t;
                throw t;
              }
            })
        .isInstanceOf(type);
    failures.add(caught[0]);
    return type.cast(caught[0]);
  }

  private static byte[] bytes(DataKey k) {
    return k.withMaterial(byte[]::clone);
  }

  private List<Request> vaultRequests() {
    return kv.http.requests().stream().filter(r -> r.path().startsWith("/keys")).toList();
  }

  @Test
  void generateThenUnwrapWithAClientSecretFromTheEnvironment() {
    String version = kv.current("pii");
    try (AzureKeyVault kms = openDefault();
        DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"));
        DataKey back = KmsCalls.await(kms.unwrap(pair.wrapped()))) {
      assertThat(bytes(back)).isEqualTo(bytes(pair.plaintext()));
      WrappedKey w = pair.wrapped();
      assertThat(w.provider()).isEqualTo("azure-kv");
      assertThat(w.masterKeyVersion()).isEqualTo(version);
      assertThat(w.algorithm()).isEqualTo("AZURE-RSA-OAEP-256");
      assertThat(w.bytes()).hasSize(256);
    }
    assertThat(kv.tokenForms)
        .singleElement()
        .satisfies(
            f ->
                assertThat(f)
                    .containsEntry("grant_type", "client_credentials")
                    .containsEntry("scope", "https://vault.azure.net/.default"));
    assertThat(vaultRequests())
        .extracting(Request::toString)
        .containsExactly(
            "GET /keys/pii?api-version=7.4",
            "POST /keys/pii/" + version + "/wrapkey?api-version=7.4",
            "POST /keys/pii/" + version + "/unwrapkey?api-version=7.4");
    assertThat(vaultRequests())
        .allSatisfy(
            r ->
                assertThat(r.header("Authorization"))
                    .isEqualTo("Bearer " + KeyVaultStub.TOKEN_PREFIX + "1"));
    assertThat(vaultRequests().get(1).body()).contains("\"alg\":\"RSA-OAEP-256\"");
  }

  @Test
  void rewrapAfterRotationMovesToTheNewVersion() {
    try (AzureKeyVault kms = openDefault();
        DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"))) {
      WrappedKey v1 = pair.wrapped();
      assertThat(KmsCalls.await(kms.rewrap(v1))).isSameAs(v1);
      MasterKeyInfo rotated = kms.rotateKey("pii");
      assertThat(rotated.currentVersion())
          .isEqualTo(kv.current("pii"))
          .isNotEqualTo(v1.masterKeyVersion());
      assertThat(KmsCalls.await(kms.describe("pii")).currentVersion())
          .isEqualTo(rotated.currentVersion());

      WrappedKey v2 = KmsCalls.await(kms.rewrap(v1));
      assertThat(v2.masterKeyVersion()).isEqualTo(rotated.currentVersion());
      try (DataKey k = KmsCalls.await(kms.unwrap(v2));
          DataKey old = KmsCalls.await(kms.unwrap(v1))) {
        assertThat(bytes(k)).isEqualTo(bytes(pair.plaintext()));
        assertThat(bytes(old)).isEqualTo(bytes(pair.plaintext()));
      }
    }
    assertThat(vaultRequests())
        .extracting(Request::toString)
        .contains("POST /keys/pii/rotate?api-version=7.4");
  }

  @Test
  void managedHsmWrapsWithA256kwAndItsOwnScope() throws Exception {
    kv.close();
    kv = new KeyVaultStub(true);
    kv.createKey("lake-kek");
    try (AzureKeyVault kms =
            open(
                "azure-kv://hsm1.managedhsm.azure.net/keys/lake-kek",
                Map.of(),
                clientSecretEnv(),
                Clock.systemUTC());
        DataKeyPair pair = KmsCalls.await(kms.generateDataKey("lake-kek"));
        DataKey back = KmsCalls.await(kms.unwrap(pair.wrapped()))) {
      assertThat(bytes(back)).isEqualTo(bytes(pair.plaintext()));
      assertThat(pair.wrapped().algorithm()).isEqualTo("AZURE-A256KW");
      assertThat(pair.wrapped().bytes()).hasSize(40);
    }
    assertThat(kv.tokenForms.get(0))
        .containsEntry("scope", "https://managedhsm.azure.net/.default");
  }

  @Test
  void adminCreatesAndListsKeysFollowingNextLink() throws Exception {
    try (AzureKeyVault kms = openDefault()) {
      MasterKeyInfo created = kms.createKey("orders");
      assertThat(created.currentVersion()).isEqualTo(kv.current("orders"));
      assertThat(vaultRequests().get(vaultRequests().size() - 1).body())
          .contains("\"kty\":\"RSA\"");
      assertThat(failure(KmsException.class, () -> kms.createKey("orders")).getMessage())
          .contains("already exists");
      kv.createKey("embeddings");
      assertThat(kms.listKeys())
          .extracting(MasterKeyInfo::name)
          .containsExactly("embeddings", "orders", "pii");
      kv.http.failNext(
          1,
          Reply.json(
              200,
              "{\"value\":[],\"nextLink\":\"https://attacker.example/keys?api-version=7.4\"}"));
      assertThat(failure(KmsException.class, kms::listKeys).getMessage()).contains("another host");
    }
  }

  @Test
  void errorsAreTyped() throws Exception {
    kv.createKey("secret");
    kv.deniedKeys.add("secret");
    try (AzureKeyVault kms = openDefault()) {
      AccessDeniedException denied =
          failure(AccessDeniedException.class, () -> KmsCalls.await(kms.generateDataKey("secret")));
      assertThat(denied.provider()).isEqualTo("azure-kv");
      assertThat(denied.keyName()).isEqualTo("secret");
      assertThat(denied.getMessage()).contains("HTTP 403", "Forbidden/ForbiddenByPolicy");

      UnknownKeyException missing =
          failure(UnknownKeyException.class, () -> KmsCalls.await(kms.generateDataKey("nope")));
      assertThat(missing.getMessage()).contains("KeyNotFound");

      kv.http.failNext(
          1,
          new Reply(
              429,
              "{\"error\":{\"code\":\"Throttled\",\"message\":\"Request was not processed because too many requests were received.\"}}",
              Map.of("Content-Type", "application/json", "Retry-After", "5")));
      assertThat(
              failure(KmsUnavailableException.class, () -> KmsCalls.await(kms.describe("pii")))
                  .getMessage())
          .contains("HTTP 429", "retry after 5 s");
      kv.http.failNext(
          1, KeyVaultStub.error(503, "ServiceUnavailable", "The service is unavailable.", null));
      failure(KmsUnavailableException.class, () -> KmsCalls.await(kms.describe("pii")));

      kv.http.failNext(1, Reply.json(200, "<html>gateway</html>"));
      assertThat(
              failure(KmsException.class, () -> KmsCalls.await(kms.describe("pii"))).getMessage())
          .contains("unexpected response");
      kv.http.failNext(
          1,
          Reply.json(200, "{\"key\":{\"kid\":\"https://lake.vault.azure.net/keys/other/abc\"}}"));
      assertThat(
              failure(KmsException.class, () -> KmsCalls.await(kms.describe("pii"))).getMessage())
          .contains("kid");

      try (DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"))) {
        WrappedKey w = pair.wrapped();
        byte[] b = w.bytes();
        b[10] ^= 1;
        failure(
            InvalidWrappedKeyException.class,
            () ->
                KmsCalls.await(
                    kms.unwrap(
                        new WrappedKey(
                            w.provider(), "pii", w.masterKeyVersion(), w.algorithm(), b))));
        failure(
            UnknownKeyException.class,
            () ->
                KmsCalls.await(
                    kms.unwrap(
                        new WrappedKey(
                            w.provider(), "pii", "0".repeat(32), w.algorithm(), w.bytes()))));
        failure(
            InvalidWrappedKeyException.class,
            () ->
                KmsCalls.await(
                    kms.unwrap(
                        new WrappedKey(
                            w.provider(), "pii", w.masterKeyVersion(), "AES256-GCM", w.bytes()))));
      }
    }
  }

  @Test
  void anExpiringTokenIsRefreshedAndA401FetchesANewOne() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    kv.tokenLifetimeSeconds = 3600;
    try (AzureKeyVault kms = open(VAULT + "/keys/pii", Map.of(), clientSecretEnv(), clock)) {
      KmsCalls.await(kms.describe("pii"));
      clock.advance(Duration.ofMinutes(50));
      KmsCalls.await(kms.describe("pii"));
      assertThat(kv.issued.get()).isEqualTo(1);
      clock.advance(Duration.ofMinutes(6)); // within five minutes of expiry
      KmsCalls.await(kms.describe("pii"));
      assertThat(kv.issued.get()).isEqualTo(2);
      assertThat(vaultRequests().get(2).header("Authorization")).endsWith("-2");

      kv.validTokens.clear();
      assertThat(KmsCalls.await(kms.describe("pii")).name()).isEqualTo("pii");
      assertThat(kv.issued.get()).isEqualTo(3);
    }
  }

  @Test
  void workloadIdentityReadsTheFederatedTokenFileAtEveryRefresh() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    Path file = dir.resolve("azure-identity-token");
    Files.writeString(file, kv.federatedToken + "\n");
    Map<String, String> env =
        Map.of(
            "AZURE_TENANT_ID", KeyVaultStub.TENANT,
            "AZURE_CLIENT_ID", KeyVaultStub.CLIENT_ID,
            "AZURE_FEDERATED_TOKEN_FILE", file.toString());
    try (AzureKeyVault kms = open(VAULT, Map.of(), env, clock)) {
      KmsCalls.await(kms.describe("pii"));
      kv.federatedToken = "k8s-projected-token-2";
      Files.writeString(file, kv.federatedToken);
      clock.advance(Duration.ofHours(1));
      KmsCalls.await(kms.describe("pii"));
    }
    assertThat(kv.tokenForms)
        .extracting(f -> f.get("client_assertion"))
        .containsExactly("k8s-projected-token-1", "k8s-projected-token-2");
    assertThat(kv.tokenForms.get(0))
        .containsEntry(
            "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        .doesNotContainKey("client_secret");
  }

  @Test
  void managedIdentityAsksImds() {
    kv.tokenLifetimeSeconds = 86399;
    try (AzureKeyVault kms = open(VAULT, Map.of(), Map.of(), Clock.systemUTC())) {
      KmsCalls.await(kms.describe("pii"));
    }
    Request imds = kv.http.requests().get(0);
    assertThat(imds.path()).isEqualTo("/metadata/identity/oauth2/token");
    assertThat(imds.header("Metadata")).isEqualTo("true");
    assertThat(imds.query())
        .contains("api-version=2018-02-01", "resource=https%3A%2F%2Fvault.azure.net");
  }

  @Test
  void aWrongClientSecretIsDeniedWithoutEchoingIt() {
    Map<String, String> env = new HashMap<>(clientSecretEnv());
    env.put("WRONG", "not-the-secret");
    try (AzureKeyVault kms =
        open(VAULT, Map.of("client-secret", "env:WRONG"), env, Clock.systemUTC())) {
      AccessDeniedException e =
          failure(AccessDeniedException.class, () -> KmsCalls.await(kms.describe("pii")));
      assertThat(e.getMessage())
          .contains("invalid_client", "AADSTS7000215")
          .doesNotContain("not-the-secret", "Trace ID");
    }
  }

  @Test
  void badUrisAndMissingCredentialsAreClearConfigErrors() {
    for (String bad :
        List.of(
            "azure-kv://lake.example.com/keys/pii",
            "azure-kv://lake.vault.azure.net/secrets/pii",
            "azure-kv://lake.vault.azure.net/keys/pii/0123456789abcdef",
            "azure-kv://lake.vault.azure.net:8443/keys/pii",
            "azure://lake.vault.azure.net/keys/pii")) {
      assertThat(
              failure(
                      KmsConfigException.class,
                      () -> AzureKeyVaultConfig.parse(URI.create(bad), Map.of(), n -> null))
                  .getMessage())
          .contains("[azure-kv]");
    }
    KmsConfigException badName =
        failure(
            KmsConfigException.class,
            () -> AzureKeyVaultConfig.parse(URI.create(VAULT + "/keys/p_ii"), Map.of(), n -> null));
    assertThat(badName.keyName()).isEqualTo("p_ii");
    assertThat(
            failure(
                    KmsConfigException.class,
                    () ->
                        AzureKeyVaultConfig.parse(
                            URI.create(VAULT), Map.of("credential", "client-secret"), n -> null))
                .getMessage())
        .contains("tenant-id");
    assertThat(
            failure(
                    KmsConfigException.class,
                    () ->
                        AzureKeyVaultConfig.parse(
                            URI.create(VAULT),
                            Map.of("client-secret", KeyVaultStub.CLIENT_SECRET),
                            n -> null))
                .getMessage())
        .contains("reference");
    failure(
        KmsConfigException.class,
        () ->
            AzureKeyVaultConfig.parse(
                URI.create(VAULT),
                Map.of("credential", "workload-identity", "tenant-id", "t", "client-id", "c"),
                n -> null));
    failure(
        KmsConfigException.class,
        () ->
            AzureKeyVaultConfig.parse(URI.create(VAULT), Map.of("algorithm", "RSA1_5"), n -> null));

    AzureKeyVaultConfig hsm =
        AzureKeyVaultConfig.parse(
            URI.create("azure-kv://hsm1.managedhsm.azure.net"), Map.of(), n -> null);
    assertThat(hsm.algorithm()).isEqualTo("A256KW");
    assertThat(hsm.credential()).isInstanceOf(AzureKeyVaultConfig.ManagedIdentity.class);
    assertThat(hsm.endpoint()).hasToString("https://hsm1.managedhsm.azure.net");

    try (AzureKeyVault kms =
        open(
            VAULT,
            Map.of("imds-endpoint", "http://127.0.0.1:1", "timeout", "2s"),
            Map.of(),
            Clock.systemUTC())) {
      assertThat(
              failure(KmsConfigException.class, () -> KmsCalls.await(kms.describe("pii")))
                  .getMessage())
          .contains("no Azure credential");
    }
    try (AzureKeyVault kms =
        open(VAULT + "/keys/pii", Map.of(), clientSecretEnv(), Clock.systemUTC())) {
      assertThat(
              failure(UnknownKeyException.class, () -> KmsCalls.await(kms.generateDataKey("other")))
                  .getMessage())
          .contains("'pii' only");
    }
  }

  @Test
  void serviceLoaderOpensTheProviderByUri() throws Exception {
    Path secret = dir.resolve("secret");
    Files.writeString(secret, KeyVaultStub.CLIENT_SECRET);
    try (Kms kms =
        KmsProviders.open(
            VAULT,
            Map.of(
                "endpoint",
                kv.http.uri().toString(),
                "authority-host",
                kv.http.uri().toString(),
                "credential",
                "client-secret",
                "tenant-id",
                KeyVaultStub.TENANT,
                "client-id",
                KeyVaultStub.CLIENT_ID,
                "client-secret",
                "file:" + secret))) {
      assertThat(kms.providerId()).isEqualTo("azure-kv");
      assertThat(KmsCalls.await(kms.describe("pii")).currentVersion()).isEqualTo(kv.current("pii"));
    }
  }

  @Test
  void throughTheBridgeManyDataKeysCostO1ProviderCalls() throws Exception {
    try (KmsBridge bridge =
        KmsBridge.assemble(
            openDefault(),
            KmsBridgeConfig.defaults(URI.create(VAULT), Map.of()),
            Clock.systemUTC())) {
      List<WrappedKey> wrapped = new ArrayList<>();
      List<byte[]> plain = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        try (DataKeyPair p = KmsCalls.await(bridge.generateDataKey("pii"))) {
          wrapped.add(p.wrapped());
          plain.add(bytes(p.plaintext()));
        }
      }
      kv.createKey("pii"); // a new version, as "az keyvault key rotate" makes
      List<WrappedKey> rewrapped = KmsCalls.await(bridge.rewrapAll(wrapped));
      for (int i = 0; i < wrapped.size(); i += 50) {
        try (DataKey k = KmsCalls.await(bridge.unwrap(rewrapped.get(i)))) {
          assertThat(Arrays.equals(bytes(k), plain.get(i))).isTrue();
        }
      }
      assertThat(bridge.providerMetrics().operation("generate").calls()).isEqualTo(1);
      // KEK: get + wrap; its rewrap: get + unwrap + wrap; then one unwrap of the new KEK.
      assertThat(vaultRequests()).hasSize(6);
    }
  }
}
