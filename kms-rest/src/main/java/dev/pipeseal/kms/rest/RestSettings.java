package dev.pipeseal.kms.rest;

import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * Transport settings every REST provider shares.
 *
 * <table>
 *   <caption>settings</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code timeout}</td><td>{@code 10s}</td><td>connect and per-request timeout</td></tr>
 *   <tr><td>{@code tls.trust-store}</td><td>JDK default trust</td>
 *       <td>trust store file (PKCS#12 or JKS) holding the server's CA</td></tr>
 *   <tr><td>{@code tls.trust-store-password}</td><td>(none)</td>
 *       <td>its password as {@code env:NAME} or {@code file:/path}</td></tr>
 *   <tr><td>{@code tls.trust-store-type}</td><td>the JDK's default type</td>
 *       <td>{@code PKCS12} or {@code JKS}</td></tr>
 * </table>
 *
 * @param timeout connect and request timeout
 * @param trustStore trust store file, or empty for the JDK's default trust
 * @param trustStorePassword reference to its password
 * @param trustStoreType key store type
 */
public record RestSettings(
    Duration timeout,
    Optional<Path> trustStore,
    Optional<String> trustStorePassword,
    Optional<String> trustStoreType) {
  public static final String TIMEOUT = "timeout";
  public static final String TRUST_STORE = "tls.trust-store";
  public static final String TRUST_STORE_PASSWORD = "tls.trust-store-password";
  public static final String TRUST_STORE_TYPE = "tls.trust-store-type";

  /** The shared settings, declared for each REST provider's property set. */
  public static final List<Property<?>> PROPERTIES =
      List.of(
          Property.duration(
              TIMEOUT, Duration.ofSeconds(10), ChronoUnit.SECONDS, "Connect and request timeout."),
          Property.string(
                  TRUST_STORE,
                  null,
                  "Trust store file (PKCS#12 or JKS) holding the server's CA certificate.")
              .withDefaultText("the JDK's default trust"),
          Property.secret(TRUST_STORE_PASSWORD, "Its password, env:NAME or file:/path."),
          Property.string(TRUST_STORE_TYPE, null, "PKCS12 or JKS.")
              .withDefaultText("the JDK's default type"));

  /**
   * A REST provider's settings under {@code pipeseal.kms.provider.}: its own, then the shared ones,
   * for {@code KmsService.properties()} (validation and {@code docs/settings.md}).
   */
  public static PropertySet propertySet(String title, Property<?>... own) {
    List<Property<?>> all = new java.util.ArrayList<>(List.of(own));
    all.addAll(PROPERTIES);
    return PropertySet.of(title, "pipeseal.kms.provider.", all.toArray(Property<?>[]::new));
  }

  /** Reads the shared settings. */
  public static RestSettings parse(SettingsReader settings) {
    return new RestSettings(
        settings.duration(TIMEOUT, Duration.ofSeconds(10)),
        settings.optional(TRUST_STORE).map(Path::of),
        settings.secretReference(TRUST_STORE_PASSWORD),
        settings.optional(TRUST_STORE_TYPE));
  }
}
