package dev.pipeseal.kms.azure;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.rest.RestSettings;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * ServiceLoader entry for {@code azure-kv://VAULT.vault.azure.net[/keys/NAME]} and {@code
 * azure-kv://HSM.managedhsm.azure.net[/keys/NAME]}.
 */
public final class AzureKeyVaultService implements KmsService {
  /** Provider id recorded in wrapped keys. */
  public static final String PROVIDER_ID = "azure-kv";

  /** Settings under {@code pipeseal.kms.provider.} ({@code docs/azure-key-vault.md}). */
  public static final PropertySet PROPERTIES =
      RestSettings.propertySet(
          "Azure Key Vault provider",
          Property.uri(AzureKeyVaultConfig.ENDPOINT, null, "Vault endpoint override.")
              .withDefaultText("https:// and the URI's host"),
          Property.string(
                  AzureKeyVaultConfig.ALGORITHM,
                  null,
                  "Key wrap algorithm: RSA-OAEP-256 (vaults) or A256KW (Managed HSM).")
              .withDefaultText("RSA-OAEP-256; A256KW on Managed HSM"),
          Property.string(AzureKeyVaultConfig.SCOPE, null, "OAuth scope of the access token.")
              .withDefaultText("the vault's or Managed HSM's .default scope"),
          Property.string(
              AzureKeyVaultConfig.CREDENTIAL,
              "auto",
              "auto, client-secret, workload-identity or managed-identity."),
          Property.string(AzureKeyVaultConfig.TENANT_ID, null, "Entra ID tenant.")
              .withDefaultText("AZURE_TENANT_ID"),
          Property.string(AzureKeyVaultConfig.CLIENT_ID, null, "Application (client) id.")
              .withDefaultText("AZURE_CLIENT_ID"),
          Property.secret(
              AzureKeyVaultConfig.CLIENT_SECRET, "Client secret, env:NAME or file:/path."),
          Property.string(
                  AzureKeyVaultConfig.FEDERATED_TOKEN_FILE, null, "Workload identity token file.")
              .withDefaultText("AZURE_FEDERATED_TOKEN_FILE"),
          Property.uri(AzureKeyVaultConfig.AUTHORITY_HOST, null, "Entra ID authority host.")
              .withDefaultText("AZURE_AUTHORITY_HOST, else login.microsoftonline.com"),
          Property.uri(
                  AzureKeyVaultConfig.IMDS_ENDPOINT, null, "Managed identity endpoint override.")
              .withDefaultText("the instance metadata service"));

  @Override
  public PropertySet properties() {
    return PROPERTIES;
  }

  @Override
  public boolean supports(URI uri) {
    return uri != null
        && uri.getScheme() != null
        && uri.getScheme().toLowerCase(Locale.ROOT).equals("azure-kv");
  }

  @Override
  public Kms create(URI uri, Map<String, String> config) {
    return AzureKeyVault.open(
        AzureKeyVaultConfig.parse(uri, config == null ? Map.of() : config, System::getenv));
  }
}
