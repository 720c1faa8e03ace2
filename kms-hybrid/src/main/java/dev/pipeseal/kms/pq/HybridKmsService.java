package dev.pipeseal.kms.pq;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.settings.PropertySet;
import java.net.URI;
import java.util.Map;

/**
 * Opens {@link HybridKms} for {@code hybrid:} URIs; see {@link HybridConfig} for the settings.
 * Needs nothing beyond the JDK and Bouncy Castle, which crypto-core already brings.
 */
public final class HybridKmsService implements KmsService {
  private final SecretSource secrets;

  public HybridKmsService() {
    this(SecretSource.system());
  }

  /** With another secret resolver; for tests and embedding. */
  public HybridKmsService(SecretSource secrets) {
    this.secrets = secrets;
  }

  @Override
  public boolean supports(URI uri) {
    return HybridKms.PROVIDER_ID.equalsIgnoreCase(uri.getScheme());
  }

  @Override
  public PropertySet properties() {
    return HybridConfig.PROPERTIES;
  }

  @Override
  public Kms create(URI uri, Map<String, String> config) {
    return HybridKms.open(HybridConfig.parse(uri, config), secrets);
  }
}
