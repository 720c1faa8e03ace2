package dev.pipeseal.kms.pkcs11;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.settings.PropertySet;
import java.net.URI;
import java.util.Map;

/**
 * Opens {@link Pkcs11Kms} for {@code pkcs11:} URIs, e.g. {@code pkcs11:token=pipeseal}. Config keys
 * are declared in {@link Pkcs11Config#PROPERTIES}.
 */
public final class Pkcs11KmsService implements KmsService {
  @Override
  public PropertySet properties() {
    return Pkcs11Config.PROPERTIES;
  }

  @Override
  public boolean supports(URI uri) {
    return "pkcs11".equalsIgnoreCase(uri.getScheme());
  }

  @Override
  public Kms create(URI uri, Map<String, String> config) {
    return Pkcs11Kms.open(Pkcs11Config.parse(uri, config));
  }
}
