package dev.pipeseal.kms.vault;

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
import java.nio.charset.StandardCharsets;
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

/** Contract test of the Vault Transit provider against {@link VaultStub}. */
class VaultKmsTest {
  private static final String TOKEN = "hvs.DISTINCTIVE-secret-token-7f3a9c";
  private static final String SECRET_ID = "DISTINCTIVE-secret-id-51b2e8";

  @TempDir Path dir;
  private VaultStub vault;
  private final List<Throwable> failures = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vault = new VaultStub();
    vault.validTokens.add(TOKEN);
    vault.createKey("pii");
  }

  @AfterEach
  void stop() {
    vault.close();
    // Whatever failed in a test, no message or toString shows a token or secret id.
    for (Throwable t : failures) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        assertThat(String.valueOf(c.getMessage())).doesNotContain(TOKEN, SECRET_ID);
        assertThat(c.toString()).doesNotContain(TOKEN, SECRET_ID);
      }
    }
  }

  private VaultKms open(String path, Map<String, String> settings, Clock clock) {
    Map<String, String> s = new HashMap<>(settings);
    s.putIfAbsent("namespace", VaultStub.NAMESPACE);
    return new VaultKms(
        VaultConfig.parse(URI.create(vault.address() + path), s),
        SecretSource.withEnvironment(
            Map.of("VAULT_TOKEN", TOKEN, "APPROLE_SECRET_ID", SECRET_ID)::get),
        clock);
  }

  private VaultKms openWithToken() {
    return open("/transit", Map.of("token", "env:VAULT_TOKEN"), Clock.systemUTC());
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

  @Test
  void generateThenUnwrapRoundTripsWithTheTokenOnEveryRequest() {
    try (VaultKms kms = openWithToken();
        DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"));
        DataKey back = KmsCalls.await(kms.unwrap(pair.wrapped()))) {
      assertThat(bytes(back)).isEqualTo(bytes(pair.plaintext()));
      WrappedKey w = pair.wrapped();
      assertThat(w.provider()).isEqualTo("vault");
      assertThat(w.masterKeyName()).isEqualTo("pii");
      assertThat(w.masterKeyVersion()).isEqualTo("1");
      assertThat(w.algorithm()).isEqualTo("VAULT-TRANSIT");
      assertThat(new String(w.bytes(), StandardCharsets.US_ASCII)).startsWith("vault:v1:");
    }
    List<Request> requests = vault.http.requests();
    assertThat(requests)
        .extracting(Request::toString)
        .containsExactly("POST /v1/transit/datakey/plaintext/pii", "POST /v1/transit/decrypt/pii");
    assertThat(requests)
        .allSatisfy(
            r -> {
              assertThat(r.header("X-Vault-Token")).isEqualTo(TOKEN);
              assertThat(r.header("X-Vault-Namespace")).isEqualTo(VaultStub.NAMESPACE);
              assertThat(r.header("Content-Type")).isEqualTo("application/json");
            });
  }

  @Test
  void rewrapAfterRotationMovesToTheNewVersionAndKeepsTheKey() {
    try (VaultKms kms = openWithToken();
        DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"))) {
      WrappedKey v1 = pair.wrapped();
      assertThat(KmsCalls.await(kms.rewrap(v1))).isSameAs(v1);

      MasterKeyInfo rotated = kms.rotateKey("pii");
      assertThat(rotated.currentVersion()).isEqualTo("2");
      assertThat(rotated.versions()).containsExactly("1", "2");

      WrappedKey v2 = KmsCalls.await(kms.rewrap(v1));
      assertThat(v2.masterKeyVersion()).isEqualTo("2");
      assertThat(new String(v2.bytes(), StandardCharsets.US_ASCII)).startsWith("vault:v2:");
      try (DataKey k = KmsCalls.await(kms.unwrap(v2))) {
        assertThat(bytes(k)).isEqualTo(bytes(pair.plaintext()));
      }
      try (DataKeyPair fresh = KmsCalls.await(kms.generateDataKey("pii"))) {
        assertThat(fresh.wrapped().masterKeyVersion()).isEqualTo("2");
      }
      MasterKeyInfo info = KmsCalls.await(kms.describe("pii"));
      assertThat(info.provider()).isEqualTo("vault");
      assertThat(info.currentVersion()).isEqualTo("2");
    }
    assertThat(vault.http.requests())
        .extracting(Request::toString)
        .contains("POST /v1/transit/keys/pii/rotate", "GET /v1/transit/keys/pii");
  }

  @Test
  void adminCreatesAndListsKeys() {
    try (VaultKms kms = openWithToken()) {
      MasterKeyInfo created = kms.createKey("orders");
      assertThat(created.currentVersion()).isEqualTo("1");
      assertThat(failure(KmsException.class, () -> kms.createKey("orders")).getMessage())
          .contains("already exists");
      assertThat(kms.listKeys()).extracting(MasterKeyInfo::name).containsExactly("orders", "pii");
    }
  }

  @Test
  void errorsAreTypedAndNameProviderAndKey() {
    vault.createKey("secret");
    vault.deniedKeys.add("secret");
    try (VaultKms kms = openWithToken()) {
      AccessDeniedException denied =
          failure(AccessDeniedException.class, () -> KmsCalls.await(kms.generateDataKey("secret")));
      assertThat(denied.provider()).isEqualTo("vault");
      assertThat(denied.keyName()).isEqualTo("secret");
      assertThat(denied.getMessage()).contains("HTTP 403", "permission denied");

      UnknownKeyException missing =
          failure(UnknownKeyException.class, () -> KmsCalls.await(kms.describe("nope")));
      assertThat(missing.keyName()).isEqualTo("nope");
      failure(UnknownKeyException.class, () -> KmsCalls.await(kms.generateDataKey("nope")));

      vault.http.failNext(1, VaultStub.error(429, "rate limit quota exceeded"));
      KmsUnavailableException throttled =
          failure(KmsUnavailableException.class, () -> KmsCalls.await(kms.generateDataKey("pii")));
      assertThat(throttled.getMessage()).contains("HTTP 429");
      vault.http.failNext(1, VaultStub.error(503, "Vault is sealed"));
      failure(KmsUnavailableException.class, () -> KmsCalls.await(kms.describe("pii")));

      vault.http.failNext(1, Reply.json(200, "{\"data\":{\"plaintext\""));
      assertThat(
              failure(KmsException.class, () -> KmsCalls.await(kms.generateDataKey("pii")))
                  .getMessage())
          .contains("unexpected response");
      vault.http.failNext(
          1, Reply.json(200, "{\"data\":{\"ciphertext\":\"v1:abc\",\"plaintext\":\"AAAA\"}}"));
      assertThat(
              failure(KmsException.class, () -> KmsCalls.await(kms.generateDataKey("pii")))
                  .getMessage())
          .contains("vault:vN:");
      vault.http.failNext(
          1,
          Reply.json(200, "{\"data\":{\"ciphertext\":\"vault:v1:abc\",\"plaintext\":\"AAAA\"}}"));
      assertThat(
              failure(KmsException.class, () -> KmsCalls.await(kms.generateDataKey("pii")))
                  .getMessage())
          .contains("not 32");
    }
  }

  @Test
  void tamperedOrForeignWrappedKeysAreRefused() {
    try (VaultKms kms = openWithToken();
        DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"))) {
      WrappedKey w = pair.wrapped();
      byte[] b = w.bytes();
      b[b.length - 3] ^= 1;
      WrappedKey flipped =
          new WrappedKey(w.provider(), w.masterKeyName(), w.masterKeyVersion(), w.algorithm(), b);
      failure(InvalidWrappedKeyException.class, () -> KmsCalls.await(kms.unwrap(flipped)));
      WrappedKey relabelled = new WrappedKey("vault", "pii", "2", w.algorithm(), w.bytes());
      failure(InvalidWrappedKeyException.class, () -> KmsCalls.await(kms.unwrap(relabelled)));
      WrappedKey foreign = new WrappedKey("local", "pii", "1", "AES256-GCM", w.bytes());
      failure(InvalidWrappedKeyException.class, () -> KmsCalls.await(kms.rewrap(foreign)));
    }
  }

  @Test
  void appRoleLoginRenewsBeforeExpiryAndLogsInAgainWhenRevoked() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    vault.secretId = SECRET_ID;
    vault.leaseSeconds = 30;
    Map<String, String> s =
        Map.of(
            "auth",
            "approle",
            "approle.role-id",
            "role-1",
            "approle.secret-id",
            "env:APPROLE_SECRET_ID");
    try (VaultKms kms = open("/transit/keys/pii", s, clock)) {
      KmsCalls.await(kms.describe("pii"));
      assertThat(vault.logins.get()).isEqualTo(1);
      String first = vault.http.requests().get(1).header("X-Vault-Token");
      assertThat(first).isEqualTo("hvs.stub-1");

      clock.advance(Duration.ofSeconds(25)); // past two thirds of the lease
      KmsCalls.await(kms.describe("pii"));
      assertThat(vault.renewals).containsEntry("hvs.stub-1", 1);
      assertThat(vault.logins.get()).isEqualTo(1);
      assertThat(vault.http.requests())
          .filteredOn(r -> r.path().equals("/v1/auth/token/renew-self"))
          .singleElement()
          .satisfies(r -> assertThat(r.header("X-Vault-Token")).isEqualTo("hvs.stub-1"));

      vault.validTokens.remove("hvs.stub-1"); // revoked server-side
      KmsCalls.await(kms.describe("pii"));
      assertThat(vault.logins.get()).isEqualTo(2);
      List<Request> all = vault.http.requests();
      assertThat(all.get(all.size() - 1).header("X-Vault-Token")).isEqualTo("hvs.stub-2");
    }
  }

  @Test
  void wrongAppRoleSecretIsAccessDeniedWithoutEchoingIt() {
    vault.secretId = "something-else";
    Map<String, String> s =
        Map.of(
            "auth",
            "approle",
            "approle.role-id",
            "role-1",
            "approle.secret-id",
            "env:APPROLE_SECRET_ID");
    try (VaultKms kms = open("/transit", s, Clock.systemUTC())) {
      AccessDeniedException e =
          failure(AccessDeniedException.class, () -> KmsCalls.await(kms.describe("pii")));
      assertThat(e.getMessage()).contains("login");
    }
  }

  @Test
  void kubernetesLoginSendsTheServiceAccountToken() throws Exception {
    Path jwt = dir.resolve("token");
    Files.writeString(jwt, "eyJhbGciOiJSUzI1NiJ9.k8s.sig\n");
    vault.kubernetesJwt = "eyJhbGciOiJSUzI1NiJ9.k8s.sig";
    Map<String, String> s =
        Map.of(
            "auth",
            "kubernetes",
            "kubernetes.role",
            "pipeseal",
            "kubernetes.jwt-file",
            jwt.toString());
    try (VaultKms kms = open("/transit", s, Clock.systemUTC());
        DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"))) {
      assertThat(pair.wrapped().masterKeyVersion()).isEqualTo("1");
    }
    assertThat(vault.http.requests().get(0).path()).isEqualTo("/v1/auth/kubernetes/login");
  }

  @Test
  void aTokenFileReplacedOnDiskIsReReadAfterA403() throws Exception {
    Path file = dir.resolve("vault-token");
    Files.writeString(file, "hvs.old-token\n");
    vault.validTokens.add("hvs.old-token");
    try (VaultKms kms = open("/transit", Map.of("token", "file:" + file), Clock.systemUTC())) {
      KmsCalls.await(kms.describe("pii"));
      vault.validTokens.remove("hvs.old-token");
      Files.writeString(file, "hvs.new-token\n");
      vault.validTokens.add("hvs.new-token");
      assertThat(KmsCalls.await(kms.describe("pii")).currentVersion()).isEqualTo("1");
    }
    List<Request> all = vault.http.requests();
    assertThat(all).hasSize(3);
    assertThat(all.get(1).header("X-Vault-Token")).isEqualTo("hvs.old-token");
    assertThat(all.get(2).header("X-Vault-Token")).isEqualTo("hvs.new-token");
  }

  @Test
  void badUrisAndMissingCredentialsAreClearConfigErrors() {
    String a = vault.address();
    Map<String, String> token = Map.of("token", "env:VAULT_TOKEN");
    assertThat(
            failure(
                    KmsConfigException.class,
                    () -> VaultConfig.parse(URI.create("vault+https:///transit"), token))
                .getMessage())
        .contains("[vault]", "host");
    failure(
        KmsConfigException.class,
        () -> VaultConfig.parse(URI.create("vault://h:8200/transit"), token));
    failure(KmsConfigException.class, () -> VaultConfig.parse(URI.create(a + "/keys/pii"), token));
    KmsConfigException badName =
        failure(
            KmsConfigException.class,
            () -> VaultConfig.parse(URI.create(a + "/transit/keys/p%20ii"), token));
    assertThat(badName.keyName()).isEqualTo("p ii");
    assertThat(
            failure(
                    KmsConfigException.class,
                    () -> VaultConfig.parse(URI.create(a + "/transit"), Map.of()))
                .getMessage())
        .contains("token is required");
    KmsConfigException inline =
        failure(
            KmsConfigException.class,
            () -> VaultConfig.parse(URI.create(a + "/transit"), Map.of("token", TOKEN)));
    assertThat(inline.getMessage()).contains("reference");
    failure(
        KmsConfigException.class,
        () ->
            VaultConfig.parse(
                URI.create(a + "/transit"), Map.of("auth", "approle", "approle.role-id", "r")));
    failure(
        KmsConfigException.class,
        () ->
            VaultConfig.parse(
                URI.create(a + "/transit"), Map.of("token", "env:X", "timeout", "soon")));
    VaultConfig mountOnly = VaultConfig.parse(URI.create(a + "/team/transit/"), token);
    assertThat(mountOnly.mount()).isEqualTo("team/transit");
    assertThat(mountOnly.pinnedKey()).isEmpty();
    assertThat(VaultConfig.parse(URI.create(a + "/team/transit/keys/pii"), token).pinnedKey())
        .contains("pii");
  }

  @Test
  void aUriThatNamesAKeyServesThatKeyOnly() {
    try (VaultKms kms =
        open("/transit/keys/pii", Map.of("token", "env:VAULT_TOKEN"), Clock.systemUTC())) {
      UnknownKeyException e =
          failure(UnknownKeyException.class, () -> KmsCalls.await(kms.generateDataKey("other")));
      assertThat(e.getMessage()).contains("'pii' only");
      assertThat(kms.listKeys()).extracting(MasterKeyInfo::name).containsExactly("pii");
    }
    assertThat(vault.http.requests())
        .extracting(Request::toString)
        .containsExactly("GET /v1/transit/keys/pii");
  }

  @Test
  void missingTokenVariableIsAConfigErrorAtFirstCall() {
    Map<String, String> s =
        Map.of("token", "env:NOT_SET_ANYWHERE", "namespace", VaultStub.NAMESPACE);
    try (Kms kms =
        new VaultKms(
            VaultConfig.parse(URI.create(vault.address() + "/transit"), s),
            SecretSource.withEnvironment(name -> null),
            Clock.systemUTC())) {
      KmsConfigException e =
          failure(KmsConfigException.class, () -> KmsCalls.await(kms.describe("pii")));
      assertThat(e.getMessage()).contains("[vault]", "NOT_SET_ANYWHERE");
    }
  }

  @Test
  void serviceLoaderOpensTheProviderByUri() throws Exception {
    Path file = dir.resolve("t");
    Files.writeString(file, TOKEN);
    try (Kms kms =
        KmsProviders.open(
            vault.address() + "/transit",
            Map.of("token", "file:" + file, "namespace", VaultStub.NAMESPACE))) {
      assertThat(kms.providerId()).isEqualTo("vault");
      assertThat(KmsCalls.await(kms.describe("pii")).currentVersion()).isEqualTo("1");
    }
    // The documented bridge properties reach the provider.
    try (KmsBridge bridge =
            KmsBridge.open(
                Map.of(
                    "pipeseal.kms.uri",
                    vault.address() + "/transit/keys/pii",
                    "pipeseal.kms.provider.token",
                    "file:" + file,
                    "pipeseal.kms.provider.namespace",
                    VaultStub.NAMESPACE,
                    "pipeseal.kms.provider.timeout",
                    "5s",
                    "pipeseal.kms.audit.sink",
                    "none"));
        DataKeyPair pair = KmsCalls.await(bridge.generateDataKey("pii"))) {
      assertThat(pair.wrapped().provider()).isEqualTo("vault");
    }
  }

  @Test
  void throughTheBridgeManyDataKeysCostO1ProviderCalls() {
    URI uri = URI.create(vault.address() + "/transit");
    try (KmsBridge bridge =
        KmsBridge.assemble(
            openWithToken(), KmsBridgeConfig.defaults(uri, Map.of()), Clock.systemUTC())) {
      List<WrappedKey> wrapped = new ArrayList<>();
      List<byte[]> plain = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        try (DataKeyPair p = KmsCalls.await(bridge.generateDataKey("pii"))) {
          wrapped.add(p.wrapped());
          plain.add(bytes(p.plaintext()));
        }
      }
      vault.rotate("pii");
      List<WrappedKey> rewrapped = KmsCalls.await(bridge.rewrapAll(wrapped));
      for (int i = 0; i < wrapped.size(); i += 50) {
        try (DataKey k = KmsCalls.await(bridge.unwrap(rewrapped.get(i)))) {
          assertThat(Arrays.equals(bytes(k), plain.get(i))).isTrue();
        }
      }
      assertThat(bridge.providerMetrics().operation("generate").calls()).isEqualTo(1);
      // The rewrapped KEK is unwrapped once; the 200 DEKs never reach Vault.
      assertThat(bridge.providerMetrics().operation("unwrap").calls()).isEqualTo(1);
      assertThat(vault.http.requests())
          .extracting(Request::toString)
          .containsExactly(
              "POST /v1/transit/datakey/plaintext/pii",
              "POST /v1/transit/rewrap/pii",
              "POST /v1/transit/decrypt/pii");
    }
  }
}
