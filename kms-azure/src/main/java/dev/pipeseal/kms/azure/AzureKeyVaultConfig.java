package dev.pipeseal.kms.azure;

import dev.pipeseal.kms.MasterKeyNames;
import dev.pipeseal.kms.rest.RestSettings;
import dev.pipeseal.kms.rest.SettingsReader;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, validated settings of the Azure Key Vault provider (kebab-case names; {@code
 * docs/azure-key-vault.md} has the table).
 *
 * @param host the vault or Managed HSM host, e.g. {@code lake.vault.azure.net}
 * @param managedHsm whether the host is a Managed HSM ({@code *.managedhsm.*})
 * @param pinnedKey the key the URI names, or empty if it names only the vault
 * @param endpoint base URL of the REST API, {@code https://HOST} unless overridden (tests, private
 *     link)
 * @param algorithm wrap algorithm: {@code RSA-OAEP-256} (Key Vault RSA keys), {@code A256KW}
 *     (Managed HSM {@code oct-HSM} keys)
 * @param scope OAuth scope of the tokens
 * @param credential where tokens come from
 * @param rest timeout and TLS trust
 */
record AzureKeyVaultConfig(
    String host,
    boolean managedHsm,
    Optional<String> pinnedKey,
    URI endpoint,
    String algorithm,
    String scope,
    Credential credential,
    RestSettings rest) {
  static final String ENDPOINT = "endpoint";
  static final String ALGORITHM = "algorithm";
  static final String SCOPE = "scope";
  static final String CREDENTIAL = "credential";
  static final String TENANT_ID = "tenant-id";
  static final String CLIENT_ID = "client-id";
  static final String CLIENT_SECRET = "client-secret";
  static final String FEDERATED_TOKEN_FILE = "federated-token-file";
  static final String AUTHORITY_HOST = "authority-host";
  static final String IMDS_ENDPOINT = "imds-endpoint";
  static final URI DEFAULT_AUTHORITY = URI.create("https://login.microsoftonline.com");
  static final URI DEFAULT_IMDS = URI.create("http://169.254.169.254");

  private static final Pattern HOST =
      Pattern.compile("([a-z0-9][a-z0-9-]{1,22}[a-z0-9])\\.(vault|managedhsm)\\.[a-z0-9.-]+");
  private static final Pattern KEY = Pattern.compile("[0-9A-Za-z-]{1,127}");
  private static final Pattern TENANT = Pattern.compile("[0-9A-Za-z.-]{1,100}");

  /** Where tokens come from. */
  sealed interface Credential permits ClientSecret, WorkloadIdentity, ManagedIdentity {}

  /** Microsoft Entra ID client credentials with a secret (by reference). */
  record ClientSecret(URI authority, String tenantId, String clientId, String secretReference)
      implements Credential {}

  /** Workload identity: a federated token file (AKS) as the client assertion; read each time. */
  record WorkloadIdentity(URI authority, String tenantId, String clientId, Path tokenFile)
      implements Credential {}

  /** The instance metadata service (IMDS); {@code clientId} picks a user-assigned identity. */
  record ManagedIdentity(URI endpoint, Optional<String> clientId) implements Credential {}

  /**
   * @param environment the process environment ({@code AZURE_TENANT_ID}, {@code AZURE_CLIENT_ID},
   *     {@code AZURE_CLIENT_SECRET}, {@code AZURE_FEDERATED_TOKEN_FILE}, {@code
   *     AZURE_AUTHORITY_HOST}), read as {@code DefaultAzureCredential} reads it
   */
  static AzureKeyVaultConfig parse(
      URI uri, Map<String, String> settings, Function<String, String> environment) {
    SettingsReader s = new SettingsReader(AzureKeyVaultService.PROVIDER_ID, settings);
    if (uri.getScheme() == null || !uri.getScheme().equalsIgnoreCase("azure-kv")) {
      throw s.fail(
          "not an Azure Key Vault URI (azure-kv://VAULT.vault.azure.net/keys/NAME): " + uri);
    }
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    Matcher h = HOST.matcher(host);
    if (!h.matches()
        || uri.getPort() != -1
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw s.fail(
          "Azure Key Vault URI must be azure-kv://VAULT.vault.azure.net[/keys/NAME] or"
              + " azure-kv://HSM.managedhsm.azure.net[/keys/NAME], got "
              + uri);
    }
    boolean hsm = h.group(2).equals("managedhsm");
    String path = SettingsReader.withoutTrailingSlashes(uri.getPath() == null ? "" : uri.getPath());
    Optional<String> key = Optional.empty();
    if (!path.isEmpty()) {
      if (!path.startsWith("/keys/") || path.indexOf('/', 6) >= 0) {
        throw s.fail("Azure Key Vault URI path must be /keys/NAME (no version), got " + uri);
      }
      key = Optional.of(path.substring(6));
      if (!KEY.matcher(key.get()).matches()) {
        throw s.failKey(key.get(), "invalid key name in URI " + uri);
      }
    }
    String algorithm =
        s.choice(ALGORITHM, hsm ? "A256KW" : "RSA-OAEP-256", "rsa-oaep-256", "a256kw")
            .toUpperCase(Locale.ROOT);
    String scope =
        s.string(
            SCOPE,
            hsm ? "https://managedhsm.azure.net/.default" : "https://vault.azure.net/.default");
    return new AzureKeyVaultConfig(
        host,
        hsm,
        key,
        s.endpoint(ENDPOINT).orElse(URI.create("https://" + host)),
        algorithm,
        scope,
        credential(s, environment),
        RestSettings.parse(s));
  }

  /** The common rule ({@link MasterKeyNames}), narrowed to what this service accepts. */
  static boolean validKeyName(String name) {
    return MasterKeyNames.isValid(name) && KEY.matcher(name).matches();
  }

  // DefaultAzureCredential's order, for the credentials that need no SDK or CLI: environment
  // (client secret), workload identity, managed identity.
  private static Credential credential(SettingsReader s, Function<String, String> env) {
    String kind =
        s.choice(
            CREDENTIAL, "auto", "auto", "client-secret", "workload-identity", "managed-identity");
    URI authority =
        s.endpoint(AUTHORITY_HOST)
            .orElse(
                Optional.ofNullable(env.apply("AZURE_AUTHORITY_HOST"))
                    .filter(v -> !v.isBlank())
                    .map(v -> URI.create(v.endsWith("/") ? v.substring(0, v.length() - 1) : v))
                    .orElse(DEFAULT_AUTHORITY));
    Optional<String> tenant = s.optional(TENANT_ID, env, "AZURE_TENANT_ID");
    Optional<String> clientId = s.optional(CLIENT_ID, env, "AZURE_CLIENT_ID");
    Optional<String> secret =
        s.secretReference(CLIENT_SECRET)
            .or(
                () ->
                    SettingsReader.environment(env, "AZURE_CLIENT_SECRET")
                        .map(v -> "env:AZURE_CLIENT_SECRET"));
    Optional<String> tokenFile =
        s.optional(FEDERATED_TOKEN_FILE, env, "AZURE_FEDERATED_TOKEN_FILE");
    tenant.ifPresent(
        t -> {
          if (!TENANT.matcher(t).matches()) {
            throw s.fail(TENANT_ID + " is not a tenant id or domain: '" + t + "'");
          }
        });
    switch (kind) {
      case "client-secret" -> {
        return new ClientSecret(
            authority,
            tenant.orElseThrow(() -> s.fail(TENANT_ID + " (or AZURE_TENANT_ID) is required")),
            clientId.orElseThrow(() -> s.fail(CLIENT_ID + " (or AZURE_CLIENT_ID) is required")),
            secret.orElseThrow(
                () ->
                    s.fail(
                        CLIENT_SECRET
                            + " is required as env:NAME or file:/path (or AZURE_CLIENT_SECRET)")));
      }
      case "workload-identity" -> {
        return new WorkloadIdentity(
            authority,
            tenant.orElseThrow(() -> s.fail(TENANT_ID + " (or AZURE_TENANT_ID) is required")),
            clientId.orElseThrow(() -> s.fail(CLIENT_ID + " (or AZURE_CLIENT_ID) is required")),
            Path.of(
                tokenFile.orElseThrow(
                    () ->
                        s.fail(
                            FEDERATED_TOKEN_FILE
                                + " (or AZURE_FEDERATED_TOKEN_FILE) is required"))));
      }
      case "managed-identity" -> {
        return new ManagedIdentity(s.endpoint(IMDS_ENDPOINT).orElse(DEFAULT_IMDS), clientId);
      }
      default -> {
        if (tenant.isPresent() && clientId.isPresent() && secret.isPresent()) {
          return new ClientSecret(authority, tenant.get(), clientId.get(), secret.get());
        }
        if (tenant.isPresent() && clientId.isPresent() && tokenFile.isPresent()) {
          return new WorkloadIdentity(
              authority, tenant.get(), clientId.get(), Path.of(tokenFile.get()));
        }
        return new ManagedIdentity(s.endpoint(IMDS_ENDPOINT).orElse(DEFAULT_IMDS), clientId);
      }
    }
  }
}
