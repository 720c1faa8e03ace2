package dev.pipeseal.kms.azure;

import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.rest.AccessToken;
import dev.pipeseal.kms.rest.Json;
import dev.pipeseal.kms.rest.OAuthTokens;
import dev.pipeseal.kms.rest.RestClient;
import dev.pipeseal.kms.secret.SecretSource;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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
  private final OAuthTokens oauth;

  EntraTokens(AzureKeyVaultConfig config, RestClient client, SecretSource secrets, Clock clock) {
    this.config = config;
    this.client = client;
    this.secrets = secrets;
    this.oauth = new OAuthTokens(P, client, clock, EntraTokens::errorDetail);
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
        return oauth.exchange(
            "managed identity (IMDS)",
            request,
            "no Azure credential: no client secret or workload identity configured"
                + " (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or"
                + " AZURE_FEDERATED_TOKEN_FILE), and no managed identity endpoint"
                + " answered");
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
        // Kubernetes rotates the projected token: read it at every refresh.
        String assertion =
            OAuthTokens.readTokenFile(P, AzureKeyVaultConfig.FEDERATED_TOKEN_FILE, wi.tokenFile());
        form.put("client_id", wi.clientId());
        form.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        form.put("client_assertion", assertion);
      }
      return oauth.exchange(
          "Microsoft Entra ID",
          oauth.formPost(URI.create(authority + "/" + tenant + "/oauth2/v2.0/token"), form),
          null);
    } catch (KmsException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Entra ID: {"error": "invalid_client", "error_description": "AADSTS7000215: ...\n..."}. */
  private static String errorDetail(Json json) {
    // The description's further lines are trace and correlation ids, noise in a message.
    String description = json.get("error_description").string().orElse("");
    int firstLine = description.indexOf('\n');
    return json.get("error").string().orElse("")
        + (description.isEmpty()
            ? ""
            : ": " + (firstLine > 0 ? description.substring(0, firstLine) : description));
  }
}
