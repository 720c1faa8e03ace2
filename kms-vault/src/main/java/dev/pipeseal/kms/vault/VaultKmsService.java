package dev.pipeseal.kms.vault;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.rest.RestSettings;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * ServiceLoader entry for {@code vault+https://host:8200/MOUNT[/keys/NAME]} (and {@code
 * vault+http://} for dev servers). OpenBao speaks the same API and uses the same URIs.
 */
public final class VaultKmsService implements KmsService {
  /** Provider id recorded in wrapped keys. */
  public static final String PROVIDER_ID = "vault";

  /** Settings under {@code pipeseal.kms.provider.} ({@code docs/vault.md}). */
  public static final PropertySet PROPERTIES =
      RestSettings.propertySet(
          "Vault Transit provider",
          Property.string(
              VaultConfig.MOUNT, "transit", "Transit mount path when the URI names none."),
          Property.string(VaultConfig.NAMESPACE, null, "Vault Enterprise / OpenBao namespace."),
          Property.string(VaultConfig.AUTH, "token", "token, approle or kubernetes."),
          Property.secret(VaultConfig.TOKEN, "Vault token, env:NAME or file:/path (auth=token)."),
          Property.string(VaultConfig.APPROLE_ROLE_ID, null, "AppRole role id (auth=approle)."),
          Property.secret(
              VaultConfig.APPROLE_SECRET_ID, "AppRole secret id, env:NAME or file:/path."),
          Property.string(VaultConfig.APPROLE_MOUNT, "approle", "AppRole auth mount path."),
          Property.string(
              VaultConfig.KUBERNETES_ROLE, null, "Kubernetes auth role (auth=kubernetes)."),
          Property.string(
              VaultConfig.KUBERNETES_JWT_FILE,
              VaultConfig.DEFAULT_JWT_FILE,
              "Service account token file for Kubernetes auth."),
          Property.string(
              VaultConfig.KUBERNETES_MOUNT, "kubernetes", "Kubernetes auth mount path."));

  @Override
  public PropertySet properties() {
    return PROPERTIES;
  }

  @Override
  public boolean supports(URI uri) {
    if (uri == null || uri.getScheme() == null) {
      return false;
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    return scheme.equals("vault+https") || scheme.equals("vault+http");
  }

  @Override
  public Kms create(URI uri, Map<String, String> config) {
    return VaultKms.open(VaultConfig.parse(uri, config == null ? Map.of() : config));
  }
}
