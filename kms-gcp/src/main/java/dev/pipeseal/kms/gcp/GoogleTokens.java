package dev.pipeseal.kms.gcp;

import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.rest.AccessToken;
import dev.pipeseal.kms.rest.HttpFailures;
import dev.pipeseal.kms.rest.Json;
import dev.pipeseal.kms.rest.RestClient;
import dev.pipeseal.kms.rest.RestResponse;
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

  GoogleTokens(
      GcpKmsConfig.Credentials credentials, RestClient client, SecretSource secrets, Clock clock) {
    this.credentials = credentials;
    this.client = client;
    this.secrets = secrets;
    this.clock = clock;
  }

  CompletableFuture<AccessToken> fetch(AccessToken previous) {
    try {
      if (credentials instanceof GcpKmsConfig.AccessTokenRef ref) {
        char[] token = secrets.resolve(ref.reference(), P, GcpKmsConfig.ACCESS_TOKEN);
        try {
          return CompletableFuture.completedFuture(AccessToken.permanent(new String(token)));
        } finally {
          Arrays.fill(token, '\0');
        }
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
        return exchange("metadata server", request);
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
    StringBuilder body = new StringBuilder();
    form.forEach(
        (k, v) ->
            body.append(body.length() == 0 ? "" : "&")
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest request =
        client
            .request(URI.create(tokenUri))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
            .build();
    return exchange("token endpoint", request);
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

  private CompletableFuture<AccessToken> exchange(String source, HttpRequest request) {
    return client
        .send(request)
        .handle(
            (response, failure) -> {
              if (failure != null) {
                KmsException e =
                    HttpFailures.forTransport(P, null, "token from " + source, failure);
                throw e instanceof KmsUnavailableException
                        && credentials instanceof GcpKmsConfig.MetadataServer
                    ? new KmsConfigException(
                        P,
                        null,
                        "no Application Default Credentials: no access-token, no"
                            + " GOOGLE_APPLICATION_CREDENTIALS or gcloud file, and the metadata"
                            + " server is unreachable",
                        e)
                    : e;
              }
              return token(source, response);
            });
  }

  private AccessToken token(String source, RestResponse response) {
    Json json;
    try {
      json = response.json();
    } catch (IllegalArgumentException e) {
      throw HttpFailures.malformed(P, null, "token from " + source, "not JSON");
    }
    if (!response.ok()) {
      String detail =
          json.get("error").string().orElse("")
              + json.get("error_description").string().map(d -> ": " + d).orElse("");
      String message =
          "token from "
              + source
              + " failed: HTTP "
              + response.status()
              + " "
              + HttpFailures.detail(detail);
      if (response.status() == 429 || response.status() >= 500) {
        throw new KmsUnavailableException(P, null, message + " (transient)");
      }
      throw new AccessDeniedException(P, null, message);
    }
    String value =
        json.get("access_token")
            .string()
            .filter(s -> !s.isEmpty())
            .orElseThrow(
                () -> HttpFailures.malformed(P, null, "token from " + source, "no access_token"));
    long expiresIn = json.get("expires_in").number().orElse(0L);
    if (expiresIn <= 0) {
      throw HttpFailures.malformed(P, null, "token from " + source, "no expires_in");
    }
    return AccessToken.expiringIn(value, Duration.ofSeconds(expiresIn), clock.instant(), false);
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
