package dev.pipeseal.kms.settings;

import dev.pipeseal.kms.KmsConfigException;

/**
 * A setting is unknown, missing or invalid. Names the full property; carries a value only when it
 * is not a secret reference.
 */
public final class SettingsException extends KmsConfigException {
  private static final long serialVersionUID = 1L;

  private final String property;

  public SettingsException(String source, String property, String message) {
    super(source, null, message);
    this.property = property;
  }

  /** Full name of the property at fault, e.g. {@code pipeseal.kms.cache.ttl}; may be null. */
  public String property() {
    return property;
  }
}
