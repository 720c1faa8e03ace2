package dev.pipeseal.kms.gcp;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.MasterKeyNames;
import dev.pipeseal.kms.rest.RestSettings;
import dev.pipeseal.kms.rest.SettingsReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, validated settings of the Cloud KMS provider (kebab-case names; {@code docs/gcp-kms.md}
 * has the table).
 *
 * @param keyRing {@code projects/P/locations/L/keyRings/R}
 * @param pinnedKey the crypto key the URI names, or empty if it names only the key ring
 * @param endpoint Cloud KMS REST endpoint, {@code https://cloudkms.googleapis.com} unless
 *     overridden (regional or private endpoints, tests)
 * @param credentials where access tokens come from
 * @param rest timeout and TLS trust
 */
record GcpKmsConfig(
    String keyRing,
    Optional<String> pinnedKey,
    URI endpoint,
    Credentials credentials,
    RestSettings rest) {
  static final String ENDPOINT = "endpoint";
  static final String CREDENTIALS = "credentials";
  static final String CREDENTIALS_FILE = "credentials-file";
  static final String ACCESS_TOKEN = "access-token";
  static final String TOKEN_ENDPOINT = "token-endpoint";
  static final String METADATA_ENDPOINT = "metadata-endpoint";
  static final URI DEFAULT_ENDPOINT = URI.create("https://cloudkms.googleapis.com");
  static final URI DEFAULT_METADATA = URI.create("http://metadata.google.internal");

  private static final Pattern RESOURCE =
      Pattern.compile(
          "(projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/locations/[a-z0-9-]+/keyRings/[A-Za-z0-9_-]{1,63})"
              + "(?:/cryptoKeys/([A-Za-z0-9_-]{1,63}))?");
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{1,63}");

  /** Where tokens come from. */
  sealed interface Credentials permits AccessTokenRef, CredentialsFile, MetadataServer {}

  /** An access token given by reference (re-read on refresh and after a 401). */
  record AccessTokenRef(String reference) implements Credentials {}

  /**
   * A service-account key or an {@code authorized_user} (gcloud) file; its {@code type} decides,
   * and it is read at every refresh so a rotated key file takes effect.
   */
  record CredentialsFile(Path path, Optional<URI> tokenEndpoint) implements Credentials {}

  /** The GCE / GKE / Cloud Run metadata server. */
  record MetadataServer(URI endpoint) implements Credentials {}

  /**
   * @param environment the process environment ({@code GOOGLE_APPLICATION_CREDENTIALS}, {@code
   *     HOME}, {@code CLOUDSDK_CONFIG} for Application Default Credentials)
   */
  static GcpKmsConfig parse(
      URI uri, Map<String, String> settings, Function<String, String> environment) {
    SettingsReader s = new SettingsReader(GcpKmsService.PROVIDER_ID, settings);
    if (uri.getScheme() == null || !uri.getScheme().equalsIgnoreCase("gcp-kms")) {
      throw s.fail(
          "not a Cloud KMS URI (gcp-kms://projects/P/locations/L/keyRings/R/cryptoKeys/K): " + uri);
    }
    String ssp = uri.getRawSchemeSpecificPart();
    String resource =
        SettingsReader.withoutTrailingSlashes(ssp.startsWith("//") ? ssp.substring(2) : ssp);
    Matcher m = RESOURCE.matcher(resource);
    if (!m.matches() || uri.getRawFragment() != null) {
      throw s.fail(
          "Cloud KMS URI must be gcp-kms://projects/P/locations/L/keyRings/R[/cryptoKeys/K], got "
              + uri);
    }
    URI endpoint = s.endpoint(ENDPOINT).orElse(DEFAULT_ENDPOINT);
    String kind =
        s.choice(CREDENTIALS, "auto", "auto", "service-account", "metadata", "access-token");
    Credentials credentials =
        switch (kind) {
          case "access-token" ->
              new AccessTokenRef(
                  s.secretReference(ACCESS_TOKEN)
                      .orElseThrow(
                          () ->
                              s.fail(ACCESS_TOKEN + " is required with credentials=access-token")));
          case "service-account" ->
              new CredentialsFile(
                  credentialsFile(s, environment)
                      .orElseThrow(
                          () ->
                              s.fail(
                                  "credentials=service-account needs "
                                      + CREDENTIALS_FILE
                                      + " or GOOGLE_APPLICATION_CREDENTIALS")),
                  s.endpoint(TOKEN_ENDPOINT));
          case "metadata" ->
              new MetadataServer(s.endpoint(METADATA_ENDPOINT).orElse(DEFAULT_METADATA));
          default -> applicationDefault(s, environment);
        };
    return new GcpKmsConfig(
        m.group(1), Optional.ofNullable(m.group(2)), endpoint, credentials, RestSettings.parse(s));
  }

  /** The common rule ({@link MasterKeyNames}), narrowed to what this service accepts. */
  static boolean validKeyName(String name) {
    return MasterKeyNames.isValid(name) && KEY.matcher(name).matches();
  }

  // Application Default Credentials, in Google's documented order: an explicit token, the
  // GOOGLE_APPLICATION_CREDENTIALS file, gcloud's well-known file, then the metadata server.
  private static Credentials applicationDefault(
      SettingsReader s, Function<String, String> environment) {
    Optional<String> token = s.secretReference(ACCESS_TOKEN);
    if (token.isPresent()) {
      return new AccessTokenRef(token.get());
    }
    Optional<Path> file = credentialsFile(s, environment);
    if (file.isPresent()) {
      return new CredentialsFile(file.get(), s.endpoint(TOKEN_ENDPOINT));
    }
    String config = environment.apply("CLOUDSDK_CONFIG");
    String home = environment.apply("HOME");
    Path wellKnown =
        config != null && !config.isBlank()
            ? Path.of(config, "application_default_credentials.json")
            : home == null || home.isBlank()
                ? null
                : Path.of(home, ".config", "gcloud", "application_default_credentials.json");
    if (wellKnown != null && Files.isReadable(wellKnown)) {
      return new CredentialsFile(wellKnown, s.endpoint(TOKEN_ENDPOINT));
    }
    return new MetadataServer(s.endpoint(METADATA_ENDPOINT).orElse(DEFAULT_METADATA));
  }

  private static Optional<Path> credentialsFile(
      SettingsReader s, Function<String, String> environment) {
    Optional<String> configured = s.optional(CREDENTIALS_FILE);
    String env = environment.apply("GOOGLE_APPLICATION_CREDENTIALS");
    Optional<String> file =
        configured.isPresent()
            ? configured
            : env == null || env.isBlank() ? Optional.empty() : Optional.of(env);
    if (file.isPresent() && !Files.isReadable(Path.of(file.get()))) {
      throw new KmsConfigException(
          GcpKmsService.PROVIDER_ID,
          null,
          "credentials file '" + file.get() + "' is not a readable file");
    }
    return file.map(Path::of);
  }
}
