package dev.pipeseal.kms.routing;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * An additional provider a bridge opens for reading ({@code pipeseal.kms.providers.NAME.uri} and
 * its settings {@code pipeseal.kms.providers.NAME.*}).
 *
 * @param name the label in the property names; only used in messages
 * @param uri the provider URI
 * @param config its provider settings, as {@code pipeseal.kms.provider.*} for the writer
 */
public record ReaderProvider(String name, URI uri, Map<String, String> config) {
  public ReaderProvider {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(uri, "uri");
    config = Map.copyOf(config);
  }

  /** Never shows setting values: they may point at secrets. */
  @Override
  public String toString() {
    return name + "=" + uri + " " + config.keySet();
  }
}
