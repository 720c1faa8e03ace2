package dev.pipeseal.kms.gcp;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsService;
import java.net.URI;
import java.util.Locale;
import java.util.Map;

/** ServiceLoader entry for {@code gcp-kms://projects/P/locations/L/keyRings/R[/cryptoKeys/K]}. */
public final class GcpKmsService implements KmsService {
  /** Provider id recorded in wrapped keys. */
  public static final String PROVIDER_ID = "gcp-kms";

  @Override
  public boolean supports(URI uri) {
    return uri != null
        && uri.getScheme() != null
        && uri.getScheme().toLowerCase(Locale.ROOT).equals("gcp-kms");
  }

  @Override
  public Kms create(URI uri, Map<String, String> config) {
    return GcpKms.open(GcpKmsConfig.parse(uri, config == null ? Map.of() : config, System::getenv));
  }
}
