package dev.pipeseal.kms.azure;

import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
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
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Microsoft Entra ID access tokens for Key Vault without the Azure SDK: the OAuth 2.0 client
 * credentials grant (v2.0 token endpoint) with a client secret or with a federated token file as
 * client assertion (workload identity), or the instance metadata service (managed identity).
 */
final class EntraTokens {
  private static final String P = AzureKeyVaultService.PROVIDER_ID;

  private final AzureKeyVaultConfig config;
  private final RestClient client;
  private final SecretSource secrets;
  private final Clock clock;

  EntraTokens(AzureKeyVaultConfig config, RestClient client, SecretSource secrets, Clock clock) {
    this.config = config;
    this.client = client;
    this.secrets = secrets;
    this.clock = clock;
  }

  CompletableFuture<AccessToken> fetch(AccessToken previous) {
    try {
      AzureKeyVaultConfig.Credential c = config.credential();
      if (c instanceof AzureKeyVaultConfig.ManagedIdentity mi) {
        String resource = config.scope().replaceFirst("/\\.default$", "");
        String query =
            "api-version=2018-02-01&resource="
                + URLEncoder.encode(resource, StandardCharsets.UTF_8)
                + mi.clientId()
                    .map(id -> "&client_id=" + URLEncoder.encode(id, StandardCharsets.UTF_8))
                    .orElse("");
        HttpRequest request =
            client
                .request(URI.create(mi.endpoint() + "/metadata/identity/oauth2/token?" + query))
                .header("Metadata", "true")
                .GET()
                .build();
        return exchange("managed identity (IMDS)", request);
      }
      Map<String, String> form = new LinkedHashMap<>();
      form.put("grant_type", "client_credentials");
      form.put("scope", config.scope());
      URI authority;
      String tenant;
      if (c instanceof AzureKeyVaultConfig.ClientSecret cs) {
        authority = cs.authority();
        tenant = cs.tenantId();
        form.put("client_id", cs.clientId());
        char[] secret = secrets.resolve(cs.secretReference(), P, AzureKeyVaultConfig.CLIENT_SECRET);
        form.put("client_secret", new String(secret));
        Arrays.fill(secret, '\0');
      } else {
        AzureKeyVaultConfig.WorkloadIdentity wi = (AzureKeyVaultConfig.WorkloadIdentity) c;
        authority = wi.authority();
        tenant = wi.tenantId();
        String assertion;
        try {
          // Kubernetes rotates the projected token: read it at every refresh.
          assertion = Files.readString(wi.tokenFile()).trim();
        } catch (IOException e) {
          throw new KmsConfigException(
              P,
              null,
              AzureKeyVaultConfig.FEDERATED_TOKEN_FILE
                  + " '"
                  + wi.tokenFile()
                  + "' cannot be read: "
                  + e.getClass().getSimpleName());
        }
        form.put("client_id", wi.clientId());
        form.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        form.put("client_assertion", assertion);
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
              .request(URI.create(authority + "/" + tenant + "/oauth2/v2.0/token"))
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
              .build();
      return exchange("Microsoft Entra ID", request);
    } catch (KmsException e) {
      return CompletableFuture.failedFuture(e);
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
                        && config.credential() instanceof AzureKeyVaultConfig.ManagedIdentity
                    ? new KmsConfigException(
                        P,
                        null,
                        "no Azure credential: no client secret or workload identity configured"
                            + " (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or"
                            + " AZURE_FEDERATED_TOKEN_FILE), and no managed identity endpoint"
                            + " answered",
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
      // Entra ID: {"error": "invalid_client", "error_description": "AADSTS7000215: ..."}.
      String description = json.get("error_description").string().orElse("");
      int firstLine = description.indexOf('\n');
      String detail =
          json.get("error").string().orElse("")
              + (description.isEmpty()
                  ? ""
                  : ": " + (firstLine > 0 ? description.substring(0, firstLine) : description));
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
    // IMDS quotes expires_in as a string; the v2.0 endpoint gives a number.
    long expiresIn = json.get("expires_in").number().orElse(0L);
    if (expiresIn <= 0) {
      throw HttpFailures.malformed(P, null, "token from " + source, "no expires_in");
    }
    return AccessToken.expiringIn(value, Duration.ofSeconds(expiresIn), clock.instant(), false);
  }
}
