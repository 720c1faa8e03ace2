package dev.pipeseal.kms.gcp;

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
import dev.pipeseal.kms.json.FlatJson;
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
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contract test of the Cloud KMS provider against {@link GcpKmsStub}. */
class GcpKmsTest {
  private static final String URI_RING = "gcp-kms://" + GcpKmsStub.RING;

  @TempDir Path dir;
  private GcpKmsStub gcp;
  private Path serviceAccount;
  private final List<Throwable> failures = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    gcp = new GcpKmsStub();
    gcp.createKey("pii");
    serviceAccount = gcp.serviceAccountFile(dir);
  }

  @AfterEach
  void stop() throws Exception {
    gcp.close();
    String privateKey =
        Base64.getEncoder().encodeToString(gcp.serviceAccount.getPrivate().getEncoded());
    for (Throwable t : failures) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        for (String text : List.of(String.valueOf(c.getMessage()), c.toString())) {
          assertThat(text)
              .doesNotContain(GcpKmsStub.TOKEN_PREFIX, gcp.refreshToken, "client-secret-1")
              .doesNotContain(privateKey.substring(40, 80));
        }
      }
    }
  }

  private GcpKms open(String uri, Map<String, String> settings, Clock clock) {
    Map<String, String> s = new HashMap<>(settings);
    s.putIfAbsent("endpoint", gcp.http.uri().toString());
    return new GcpKms(
        GcpKmsConfig.parse(
            URI.create(uri),
            s,
            Map.of("GOOGLE_APPLICATION_CREDENTIALS", serviceAccount.toString())::get),
        SecretSource.withEnvironment(Map.of("GCP_TOKEN", GcpKmsStub.TOKEN_PREFIX + "static")::get),
        clock);
  }

  private GcpKms openWithAdc() {
    return open(URI_RING, Map.of(), Clock.systemUTC());
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

  private List<Request> kmsRequests() {
    return gcp.http.requests().stream().filter(r -> r.path().startsWith("/v1/")).toList();
  }

  @Test
  void generateThenUnwrapWithAServiceAccountFromApplicationDefaultCredentials() {
    try (GcpKms kms = openWithAdc();
        DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"));
        DataKey back = KmsCalls.await(kms.unwrap(pair.wrapped()))) {
      assertThat(bytes(back)).isEqualTo(bytes(pair.plaintext()));
      WrappedKey w = pair.wrapped();
      assertThat(w.provider()).isEqualTo("gcp-kms");
      assertThat(w.masterKeyName()).isEqualTo("pii");
      assertThat(w.masterKeyVersion()).isEqualTo("1");
      assertThat(w.algorithm()).isEqualTo("GCP-KMS");
    }
    List<Request> all = gcp.http.requests();
    assertThat(all.get(0).toString()).isEqualTo("POST /token");
    assertThat(all.get(0).header("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
    assertThat(kmsRequests())
        .extracting(Request::toString)
        .containsExactly(
            "POST /v1/" + GcpKmsStub.RING + "/cryptoKeys/pii:encrypt",
            "POST /v1/" + GcpKmsStub.RING + "/cryptoKeys/pii:decrypt");
    assertThat(kmsRequests())
        .allSatisfy(
            r ->
                assertThat(r.header("Authorization"))
                    .isEqualTo("Bearer " + GcpKmsStub.TOKEN_PREFIX + "1"));
    assertThat(gcp.aads).containsExactly("pipeseal wrapped key v1|gcp-kms|pii");
    Map<String, Object> encrypt = FlatJson.parse(kmsRequests().get(0).body());
    assertThat(encrypt)
        .containsKeys(
            "plaintext",
            "plaintextCrc32c",
            "additionalAuthenticatedData",
            "additionalAuthenticatedDataCrc32c");
  }

  @Test
  void rewrapAfterRotationMovesToThePrimaryVersion() {
    try (GcpKms kms = openWithAdc();
        DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"))) {
      WrappedKey v1 = pair.wrapped();
      assertThat(KmsCalls.await(kms.rewrap(v1))).isSameAs(v1);

      MasterKeyInfo rotated = kms.rotateKey("pii");
      assertThat(rotated.currentVersion()).isEqualTo("2");
      assertThat(KmsCalls.await(kms.describe("pii")).currentVersion()).isEqualTo("2");

      WrappedKey v2 = KmsCalls.await(kms.rewrap(v1));
      assertThat(v2.masterKeyVersion()).isEqualTo("2");
      try (DataKey k = KmsCalls.await(kms.unwrap(v2));
          DataKey old = KmsCalls.await(kms.unwrap(v1))) {
        assertThat(bytes(k)).isEqualTo(bytes(pair.plaintext()));
        assertThat(bytes(old)).isEqualTo(bytes(pair.plaintext()));
      }
    }
    assertThat(kmsRequests())
        .extracting(Request::toString)
        .contains(
            "POST /v1/" + GcpKmsStub.RING + "/cryptoKeys/pii/cryptoKeyVersions",
            "POST /v1/" + GcpKmsStub.RING + "/cryptoKeys/pii:updatePrimaryVersion",
            "GET /v1/" + GcpKmsStub.RING + "/cryptoKeys/pii");
  }

  @Test
  void adminCreatesAndListsKeysAcrossPages() {
    try (GcpKms kms = openWithAdc()) {
      assertThat(kms.createKey("orders").currentVersion()).isEqualTo("1");
      assertThat(failure(KmsException.class, () -> kms.createKey("orders")).getMessage())
          .contains("already exists");
      kms.createKey("embeddings");
      assertThat(kms.listKeys())
          .extracting(MasterKeyInfo::name)
          .containsExactly("embeddings", "orders", "pii");
    }
  }

  @Test
  void theContextIsBoundAndTamperingIsRefused() {
    try (GcpKms kms = openWithAdc();
        DataKeyPair pair = KmsCalls.await(kms.generateDataKey("pii"))) {
      WrappedKey w = pair.wrapped();
      byte[] b = w.bytes();
      b[b.length - 1] ^= 1;
      failure(
          InvalidWrappedKeyException.class,
          () -> KmsCalls.await(kms.unwrap(new WrappedKey("gcp-kms", "pii", "1", "GCP-KMS", b))));
      failure(
          InvalidWrappedKeyException.class,
          () ->
              KmsCalls.await(
                  kms.unwrap(new WrappedKey("vault", "pii", "1", "GCP-KMS", w.bytes()))));
      // Same key material under another name: only the AAD (the wrapped key's context) refuses it.
      gcp.sameMaterial("pii-copy", "pii");
      failure(
          InvalidWrappedKeyException.class,
          () ->
              KmsCalls.await(
                  kms.unwrap(new WrappedKey("gcp-kms", "pii-copy", "1", "GCP-KMS", w.bytes()))));
      try (DataKey same = KmsCalls.await(kms.unwrap(w))) {
        assertThat(bytes(same)).isEqualTo(bytes(pair.plaintext()));
      }
    }
  }

  @Test
  void errorsAreTyped() {
    gcp.createKey("secret");
    gcp.deniedKeys.add("secret");
    try (GcpKms kms = openWithAdc()) {
      AccessDeniedException denied =
          failure(AccessDeniedException.class, () -> KmsCalls.await(kms.generateDataKey("secret")));
      assertThat(denied.provider()).isEqualTo("gcp-kms");
      assertThat(denied.keyName()).isEqualTo("secret");
      assertThat(denied.getMessage()).contains("HTTP 403", "PERMISSION_DENIED");

      UnknownKeyException missing =
          failure(UnknownKeyException.class, () -> KmsCalls.await(kms.generateDataKey("nope")));
      assertThat(missing.getMessage()).contains("NOT_FOUND");
      failure(UnknownKeyException.class, () -> KmsCalls.await(kms.describe("nope")));

      gcp.http.failNext(1, GcpKmsStub.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"));
      failure(KmsUnavailableException.class, () -> KmsCalls.await(kms.generateDataKey("pii")));
      gcp.http.failNext(
          1, GcpKmsStub.error(503, "UNAVAILABLE", "The service is currently unavailable."));
      failure(KmsUnavailableException.class, () -> KmsCalls.await(kms.describe("pii")));

      gcp.http.failNext(1, Reply.json(200, "<html>"));
      assertThat(
              failure(KmsException.class, () -> KmsCalls.await(kms.describe("pii"))).getMessage())
          .contains("unexpected response");
      gcp.http.failNext(1, Reply.json(200, "{\"name\":\"x\"}"));
      failure(KmsException.class, () -> KmsCalls.await(kms.generateDataKey("pii")));
      gcp.http.failNext(
          1,
          Reply.json(
              200,
              "{\"name\":\""
                  + GcpKmsStub.RING
                  + "/cryptoKeys/pii/cryptoKeyVersions/1\","
                  + "\"ciphertext\":\"AAAA\",\"ciphertextCrc32c\":\"1\","
                  + "\"verifiedPlaintextCrc32c\":true,\"verifiedAdditionalAuthenticatedDataCrc32c\":true}"));
      assertThat(
              failure(
                      KmsUnavailableException.class,
                      () -> KmsCalls.await(kms.generateDataKey("pii")))
                  .getMessage())
          .contains("CRC32C");
    }
  }

  @Test
  void anExpiringTokenIsRefreshedAndA401FetchesANewOne() {
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    gcp.tokenLifetimeSeconds = 60;
    try (GcpKms kms = open(URI_RING + "/cryptoKeys/pii", Map.of(), clock)) {
      KmsCalls.await(kms.describe("pii"));
      clock.advance(Duration.ofSeconds(30));
      KmsCalls.await(kms.describe("pii"));
      assertThat(gcp.issued.get()).isEqualTo(1);
      clock.advance(Duration.ofSeconds(15)); // within the last third of the lifetime
      KmsCalls.await(kms.describe("pii"));
      assertThat(gcp.issued.get()).isEqualTo(2);
      assertThat(kmsRequests().get(2).header("Authorization")).endsWith("-2");

      gcp.validTokens.clear(); // revoked
      assertThat(KmsCalls.await(kms.describe("pii")).currentVersion()).isEqualTo("1");
      assertThat(gcp.issued.get()).isEqualTo(3);
    }
  }

  @Test
  void metadataServerAndExplicitTokenCredentials() throws Exception {
    Map<String, String> metadata =
        Map.of("credentials", "metadata", "metadata-endpoint", gcp.http.uri().toString());
    try (GcpKms kms = open(URI_RING, metadata, Clock.systemUTC())) {
      KmsCalls.await(kms.describe("pii"));
    }
    Request md = gcp.http.requests().get(0);
    assertThat(md.path()).isEqualTo("/computeMetadata/v1/instance/service-accounts/default/token");
    assertThat(md.header("Metadata-Flavor")).isEqualTo("Google");

    gcp.validTokens.add(GcpKmsStub.TOKEN_PREFIX + "static");
    gcp.http.clearRequests();
    try (GcpKms kms = open(URI_RING, Map.of("access-token", "env:GCP_TOKEN"), Clock.systemUTC())) {
      KmsCalls.await(kms.describe("pii"));
    }
    assertThat(gcp.http.requests())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.header("Authorization"))
                    .isEqualTo("Bearer " + GcpKmsStub.TOKEN_PREFIX + "static"));
  }

  @Test
  void gcloudAuthorizedUserFile() throws Exception {
    Path file = dir.resolve("adc.json");
    Files.writeString(
        file,
        FlatJson.write(
            Map.of(
                "type", "authorized_user",
                "client_id", "client-1",
                "client_secret", "client-secret-1",
                "refresh_token", gcp.refreshToken)));
    Map<String, String> s =
        Map.of("credentials-file", file.toString(), "token-endpoint", gcp.tokenUri());
    try (GcpKms kms = open(URI_RING, s, Clock.systemUTC())) {
      assertThat(KmsCalls.await(kms.describe("pii")).currentVersion()).isEqualTo("1");
    }
    Files.writeString(
        file,
        FlatJson.write(
            Map.of(
                "type", "authorized_user",
                "client_id", "client-1",
                "client_secret", "client-secret-1",
                "refresh_token", "revoked")));
    try (GcpKms kms = open(URI_RING, s, Clock.systemUTC())) {
      assertThat(
              failure(AccessDeniedException.class, () -> KmsCalls.await(kms.describe("pii")))
                  .getMessage())
          .contains("invalid_grant");
    }
  }

  @Test
  void aServiceAccountKeyTheServerDoesNotKnowIsDenied() throws Exception {
    GcpKmsStub other = new GcpKmsStub(GcpKmsStub.newKeyPair());
    Path foreign = other.serviceAccountFile(Files.createDirectory(dir.resolve("other")));
    other.close();
    String text = Files.readString(foreign).replace(other.tokenUri(), gcp.tokenUri());
    Files.writeString(foreign, text);
    try (GcpKms kms =
        open(URI_RING, Map.of("credentials-file", foreign.toString()), Clock.systemUTC())) {
      assertThat(
              failure(AccessDeniedException.class, () -> KmsCalls.await(kms.describe("pii")))
                  .getMessage())
          .contains("Invalid JWT Signature");
    }
  }

  @Test
  void badUrisAndMissingCredentialsAreClearConfigErrors() throws Exception {
    Map<String, String> none = Map.of();
    for (String bad :
        List.of(
            "gcp-kms://projects/p/locations/l",
            "gcp-kms://projects/pipeseal-test/locations/eu/keyRings/r/cryptoKeys/",
            "gcp-kms://projects/pipeseal-test/locations/eu/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
            "gcp://projects/pipeseal-test/locations/eu/keyRings/r")) {
      assertThat(
              failure(
                      KmsConfigException.class,
                      () -> GcpKmsConfig.parse(URI.create(bad), none, n -> null))
                  .getMessage())
          .contains("[gcp-kms]");
    }
    GcpKmsConfig pinned =
        GcpKmsConfig.parse(URI.create(URI_RING + "/cryptoKeys/pii"), none, n -> null);
    assertThat(pinned.pinnedKey()).contains("pii");
    assertThat(pinned.keyRing()).isEqualTo(GcpKmsStub.RING);
    assertThat(pinned.credentials()).isInstanceOf(GcpKmsConfig.MetadataServer.class);

    failure(
        KmsConfigException.class,
        () ->
            GcpKmsConfig.parse(
                URI.create(URI_RING), Map.of("credentials", "service-account"), n -> null));
    failure(
        KmsConfigException.class,
        () ->
            GcpKmsConfig.parse(
                URI.create(URI_RING), Map.of("access-token", "ya29.inline"), n -> null));
    failure(
        KmsConfigException.class,
        () ->
            GcpKmsConfig.parse(
                URI.create(URI_RING), Map.of("credentials-file", "/no/such/file.json"), n -> null));

    Path wrongType = dir.resolve("ext.json");
    Files.writeString(wrongType, "{\"type\":\"external_account\"}");
    try (GcpKms kms =
        open(URI_RING, Map.of("credentials-file", wrongType.toString()), Clock.systemUTC())) {
      assertThat(
              failure(KmsConfigException.class, () -> KmsCalls.await(kms.describe("pii")))
                  .getMessage())
          .contains("external_account");
    }
    // Nothing configured, no metadata server: Application Default Credentials found nothing.
    Map<String, String> noMetadata =
        Map.of("metadata-endpoint", "http://127.0.0.1:1", "timeout", "2s");
    try (GcpKms kms =
        new GcpKms(
            GcpKmsConfig.parse(URI.create(URI_RING), noMetadata, n -> null),
            SecretSource.withEnvironment(n -> null),
            Clock.systemUTC())) {
      assertThat(
              failure(KmsConfigException.class, () -> KmsCalls.await(kms.describe("pii")))
                  .getMessage())
          .contains("no Application Default Credentials");
    }
    try (GcpKms kms = open(URI_RING + "/cryptoKeys/pii", none, Clock.systemUTC())) {
      assertThat(
              failure(UnknownKeyException.class, () -> KmsCalls.await(kms.generateDataKey("other")))
                  .getMessage())
          .contains("'pii' only");
    }
  }

  @Test
  void serviceLoaderOpensTheProviderByUri() throws Exception {
    try (Kms kms =
        KmsProviders.open(
            URI_RING,
            Map.of(
                "endpoint",
                gcp.http.uri().toString(),
                "credentials-file",
                serviceAccount.toString()))) {
      assertThat(kms.providerId()).isEqualTo("gcp-kms");
      assertThat(KmsCalls.await(kms.describe("pii")).currentVersion()).isEqualTo("1");
    }
  }

  @Test
  void throughTheBridgeManyDataKeysCostO1ProviderCalls() {
    try (KmsBridge bridge =
        KmsBridge.assemble(
            openWithAdc(),
            KmsBridgeConfig.defaults(URI.create(URI_RING), Map.of()),
            Clock.systemUTC())) {
      List<WrappedKey> wrapped = new ArrayList<>();
      List<byte[]> plain = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        try (DataKeyPair p = KmsCalls.await(bridge.generateDataKey("pii"))) {
          wrapped.add(p.wrapped());
          plain.add(bytes(p.plaintext()));
        }
      }
      gcp.rotate("pii");
      List<WrappedKey> rewrapped = KmsCalls.await(bridge.rewrapAll(wrapped));
      for (int i = 0; i < wrapped.size(); i += 50) {
        try (DataKey k = KmsCalls.await(bridge.unwrap(rewrapped.get(i)))) {
          assertThat(Arrays.equals(bytes(k), plain.get(i))).isTrue();
        }
      }
      assertThat(bridge.providerMetrics().operation("generate").calls()).isEqualTo(1);
      // One encrypt for the KEK; its rewrap (describe, decrypt, encrypt); one decrypt of the new
      // KEK.
      assertThat(kmsRequests()).hasSize(5);
    }
  }
}
