package dev.pipeseal.kms;

import dev.pipeseal.kms.settings.PropertySet;
import java.net.URI;
import java.util.Map;

/**
 * ServiceLoader entry point of a provider ({@code META-INF/services/dev.pipeseal.kms.KmsService}).
 * A service must be cheap to instantiate and must not load optional dependencies (Hadoop, PKCS#11)
 * until {@link #create} is called for a URI it supports.
 */
public interface KmsService {
  /**
   * Setting a host adds to every provider's config: the per-attempt timeout its own decorator
   * enforces ({@code 10s}, {@code 500ms}), so a provider can give its client the same budget
   * instead of a longer one that the decorator would cut short.
   */
  String BRIDGE_TIMEOUT = "bridge.timeout";

  /**
   * True if this service handles {@code uri} (usually by scheme, e.g. {@code kms}, {@code local}).
   */
  boolean supports(URI uri);

  /**
   * Opens a provider. {@code config} holds provider settings (passwords are given as references
   * such as {@code env:NAME} or {@code file:/path}, never inline); unknown keys and invalid values
   * raise {@link KmsConfigException} (a {@link dev.pipeseal.kms.settings.SettingsException} naming
   * the setting).
   */
  Kms create(URI uri, Map<String, String> config);

  /**
   * The provider's settings, declared once: checked by {@link KmsProviders#open(URI, Map,
   * java.util.function.Consumer)} before {@link #create} and listed in {@code docs/settings.md}.
   * Null (the default, for providers written before the settings toolkit) skips the check.
   */
  default PropertySet properties() {
    return null;
  }
}
