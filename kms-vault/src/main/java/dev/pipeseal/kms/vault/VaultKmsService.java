package dev.pipeseal.kms.vault;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsService;
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
