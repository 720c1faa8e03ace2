package dev.pipeseal.kms.azure;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsService;
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
