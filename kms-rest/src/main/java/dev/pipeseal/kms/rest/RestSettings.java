package dev.pipeseal.kms.rest;

import java.nio.file.Path;
import java.time.Duration;
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

  /** Reads the shared settings. */
  public static RestSettings parse(SettingsReader settings) {
    return new RestSettings(
        settings.duration(TIMEOUT, Duration.ofSeconds(10)),
        settings.optional(TRUST_STORE).map(Path::of),
        settings.secretReference(TRUST_STORE_PASSWORD),
        settings.optional(TRUST_STORE_TYPE));
  }
}
