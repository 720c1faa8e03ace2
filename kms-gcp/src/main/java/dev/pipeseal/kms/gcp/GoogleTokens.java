package dev.pipeseal.kms.gcp;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.rest.AccessToken;
import dev.pipeseal.kms.rest.OAuthTokens;
import dev.pipeseal.kms.rest.RestClient;
import dev.pipeseal.kms.secret.SecretSource;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * OAuth access tokens for Cloud KMS from Application Default Credentials, without Google's auth
 * library: a service-account key signs a JWT (RS256, JDK {@link Signature}) exchanged at the token
 * endpoint (RFC 7523), an {@code authorized_user} file is exchanged by its refresh token, the
 * metadata server is asked directly, or a token is given by reference.
 */
final class GoogleTokens {
  static final String SCOPE = "https://www.googleapis.com/auth/cloudkms";
  static final String DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
  private static final String P = GcpKmsService.PROVIDER_ID;
  private static final Duration JWT_LIFETIME = Duration.ofHours(1);

  private final GcpKmsConfig.Credentials credentials;
  private final RestClient client;
  private final SecretSource secrets;
  private final Clock clock;
  private final OAuthTokens oauth;

  GoogleTokens(
      GcpKmsConfig.Credentials credentials, RestClient client, SecretSource secrets, Clock clock) {
    this.credentials = credentials;
    this.client = client;
    this.secrets = secrets;
    this.clock = clock;
    this.oauth = new OAuthTokens(P, client, clock, OAuthTokens.STANDARD_ERROR);
  }

  CompletableFuture<AccessToken> fetch(AccessToken previous) {
    try {
      if (credentials instanceof GcpKmsConfig.AccessTokenRef ref) {
        return CompletableFuture.completedFuture(
            AccessToken.fromReference(secrets, ref.reference(), P, GcpKmsConfig.ACCESS_TOKEN));
      }
      if (credentials instanceof GcpKmsConfig.MetadataServer md) {
        HttpRequest request =
            client
                .request(
                    URI.create(
                        md.endpoint()
                            + "/computeMetadata/v1/instance/service-accounts/default/token?scopes="
                            + URLEncoder.encode(SCOPE, StandardCharsets.UTF_8)))
                .header("Metadata-Flavor", "Google")
                .GET()
                .build();
        return oauth.exchange(
            "metadata server",
            request,
            "no Application Default Credentials: no access-token, no"
                + " GOOGLE_APPLICATION_CREDENTIALS or gcloud file, and the metadata"
                + " server is unreachable");
      }
      return fromFile((GcpKmsConfig.CredentialsFile) credentials);
    } catch (KmsException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletableFuture<AccessToken> fromFile(GcpKmsConfig.CredentialsFile file) {
    Map<String, Object> json;
    try {
      json = FlatJson.parse(Files.readString(file.path()));
    } catch (IOException | IllegalArgumentException e) {
      throw new KmsConfigException(
          P,
          null,
          "credentials file '"
              + file.path()
              + "' cannot be read as a flat JSON key file: "
              + e.getClass().getSimpleName());
    }
    String type = String.valueOf(json.get("type"));
    String tokenUri =
        file.tokenEndpoint()
            .map(URI::toString)
            .orElse(json.get("token_uri") instanceof String t ? t : DEFAULT_TOKEN_URI);
    Map<String, String> form = new LinkedHashMap<>();
    switch (type) {
      case "service_account" -> {
        form.put("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
        form.put("assertion", signedJwt(json, tokenUri, file));
      }
      case "authorized_user" -> {
        form.put("grant_type", "refresh_token");
        form.put("client_id", required(json, "client_id", file));
        form.put("client_secret", required(json, "client_secret", file));
        form.put("refresh_token", required(json, "refresh_token", file));
      }
      default ->
          throw new KmsConfigException(
              P,
              null,
              "credentials file '"
                  + file.path()
                  + "' has type '"
                  + type
                  + "'; supported: service_account, authorized_user");
    }
    return oauth.exchange("token endpoint", oauth.formPost(URI.create(tokenUri), form), null);
  }

  private String signedJwt(
      Map<String, Object> json, String tokenUri, GcpKmsConfig.CredentialsFile f) {
    String email = required(json, "client_email", f);
    String pem = required(json, "private_key", f);
    long now = clock.instant().getEpochSecond();
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("alg", "RS256");
    header.put("typ", "JWT");
    if (json.get("private_key_id") instanceof String kid) {
      header.put("kid", kid);
    }
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", email);
    claims.put("scope", SCOPE);
    claims.put("aud", tokenUri);
    claims.put("iat", now);
    claims.put("exp", now + JWT_LIFETIME.getSeconds());
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString(FlatJson.write(header).getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(FlatJson.write(claims).getBytes(StandardCharsets.UTF_8));
    byte[] der = null;
    try {
      String base64 =
          pem.replace("-----BEGIN PRIVATE KEY-----", "")
              .replace("-----END PRIVATE KEY-----", "")
              .replaceAll("\\s", "");
      der = Base64.getDecoder().decode(base64);
      PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      Signature rs256 = Signature.getInstance("SHA256withRSA");
      rs256.initSign(key);
      rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + b64.encodeToString(rs256.sign());
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new KmsConfigException(
          P,
          null,
          "credentials file '"
              + f.path()
              + "': private_key is not a PKCS#8 RSA key ("
              + e.getClass().getSimpleName()
              + ")");
    } finally {
      if (der != null) {
        Arrays.fill(der, (byte) 0);
      }
    }
  }

  private static String required(
      Map<String, Object> json, String field, GcpKmsConfig.CredentialsFile f) {
    if (json.get(field) instanceof String s && !s.isEmpty()) {
      return s;
    }
    throw new KmsConfigException(
        P, null, "credentials file '" + f.path() + "' has no '" + field + "'");
  }
}
