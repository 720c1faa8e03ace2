package dev.pipeseal.kms;

import dev.pipeseal.kms.settings.Settings;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/** Opens the provider for a KMS URI by asking every {@link KmsService} on the classpath. */
public final class KmsProviders {
  private KmsProviders() {}

  /**
   * Opens the single provider that supports {@code uri}.
   *
   * @throws KmsConfigException if none or more than one provider claims the URI
   */
  public static Kms open(URI uri, Map<String, String> config) {
    return open(uri, config, warning -> {});
  }

  /**
   * As {@link #open(URI, Map)}, first checking {@code config} against the provider's declared
   * settings: unknown names are rejected, deprecated names reported to {@code warnings}.
   */
  public static Kms open(URI uri, Map<String, String> config, Consumer<String> warnings) {
    KmsService service = service(uri);
    if (service.properties() != null) {
      Settings.of(config)
          .withSource(service.properties().title())
          .withWarnings(warnings)
          .validate(service.properties());
    }
    return service.create(uri, config);
  }

  /**
   * The single provider that supports {@code uri}.
   *
   * @throws KmsConfigException if none or more than one provider claims the URI
   */
  public static KmsService service(URI uri) {
    List<KmsService> matches = new ArrayList<>();
    List<String> known = new ArrayList<>();
    for (KmsService service : ServiceLoader.load(KmsService.class, classLoader())) {
      known.add(service.getClass().getName());
      if (service.supports(uri)) {
        matches.add(service);
      }
    }
    if (matches.isEmpty()) {
      throw new KmsConfigException(
          "none",
          null,
          "no KMS provider supports URI scheme '"
              + uri.getScheme()
              + "' (providers on the classpath: "
              + known
              + ")");
    }
    if (matches.size() > 1) {
      throw new KmsConfigException(
          "none",
          null,
          "several KMS providers claim URI scheme '" + uri.getScheme() + "': " + matches);
    }
    return matches.get(0);
  }

  /** As {@link #open(URI, Map)} with a string URI. */
  public static Kms open(String uri, Map<String, String> config) {
    try {
      return open(URI.create(uri), config);
    } catch (IllegalArgumentException e) {
      throw new KmsConfigException(
          "none", null, "invalid KMS URI '" + uri + "': " + e.getMessage());
    }
  }

  private static ClassLoader classLoader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : KmsProviders.class.getClassLoader();
  }
}
