package dev.pipeseal.kms.gcp;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.rest.RestSettings;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import java.net.URI;
import java.util.Locale;
import java.util.Map;

/** ServiceLoader entry for {@code gcp-kms://projects/P/locations/L/keyRings/R[/cryptoKeys/K]}. */
public final class GcpKmsService implements KmsService {
  /** Provider id recorded in wrapped keys. */
  public static final String PROVIDER_ID = "gcp-kms";

  /** Settings under {@code pipeseal.kms.provider.} ({@code docs/gcp-kms.md}). */
  public static final PropertySet PROPERTIES =
      RestSettings.propertySet(
          "Google Cloud KMS provider",
          Property.uri(GcpKmsConfig.ENDPOINT, null, "Cloud KMS API endpoint override.")
              .withDefaultText("https://cloudkms.googleapis.com"),
          Property.string(
              GcpKmsConfig.CREDENTIALS,
              "auto",
              "auto (Application Default Credentials order), service-account, metadata or"
                  + " access-token."),
          Property.string(
                  GcpKmsConfig.CREDENTIALS_FILE,
                  null,
                  "Service account key file (credentials=service-account or auto).")
              .withDefaultText("GOOGLE_APPLICATION_CREDENTIALS, then gcloud's well-known file"),
          Property.secret(
              GcpKmsConfig.ACCESS_TOKEN,
              "OAuth access token, env:NAME or file:/path (credentials=access-token)."),
          Property.uri(GcpKmsConfig.TOKEN_ENDPOINT, null, "OAuth token endpoint override.")
              .withDefaultText("the credentials file's"),
          Property.uri(GcpKmsConfig.METADATA_ENDPOINT, null, "Metadata server override.")
              .withDefaultText("the GCE metadata server"));

  @Override
  public PropertySet properties() {
    return PROPERTIES;
  }

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
