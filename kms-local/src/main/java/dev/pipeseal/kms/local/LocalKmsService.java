package dev.pipeseal.kms.local;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.secret.Secret;
import dev.pipeseal.kms.secret.SecretReference;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Settings;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Opens {@link LocalKms} for {@code local:///abs/path/keys.p12} or {@code local:relative/keys.p12}
 * (relative to the working directory).
 *
 * <p>Settings: {@link #PROPERTIES}.
 */
public final class LocalKmsService implements KmsService {
  public static final Property<SecretReference> PASSWORD =
      Property.secret("password", "Key store password, env:NAME or file:/path. Required.");
  public static final Property<Boolean> CREATE =
      Property.bool("create", false, "Create an empty key store when the file is missing.");

  /** Settings under {@code pipeseal.kms.provider.} for a {@code local:} URI. */
  public static final PropertySet PROPERTIES =
      PropertySet.of("local provider", "pipeseal.kms.provider.", PASSWORD, CREATE);

  private final SecretSource secrets;

  public LocalKmsService() {
    this(SecretSource.system());
  }

  /** With another secret resolver; for tests and embedding. */
  public LocalKmsService(SecretSource secrets) {
    this.secrets = secrets;
  }

  @Override
  public boolean supports(URI uri) {
    return "local".equalsIgnoreCase(uri.getScheme());
  }

  @Override
  public PropertySet properties() {
    return PROPERTIES;
  }

  @Override
  public Kms create(URI uri, Map<String, String> config) {
    Path path = path(uri);
    Settings settings = Settings.of(config).withSource(LocalKms.PROVIDER_ID).validate(PROPERTIES);
    boolean create = settings.get(CREATE);
    try (Secret secret = settings.secret(PASSWORD, secrets)) {
      char[] password = secret.chars();
      try {
        return LocalKms.open(path, password, create);
      } finally {
        Arrays.fill(password, '\0');
      }
    }
  }

  static Path path(URI uri) {
    String location;
    if (uri.isOpaque()) {
      location = uri.getSchemeSpecificPart();
    } else {
      if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
        throw invalidUri(uri, "a host is not allowed; use local:///absolute/path");
      }
      location = uri.getPath();
    }
    if (location == null || location.isEmpty()) {
      throw invalidUri(uri, "no key store path");
    }
    try {
      return Path.of(location);
    } catch (InvalidPathException e) {
      throw invalidUri(uri, e.getMessage());
    }
  }

  private static KmsConfigException invalidUri(URI uri, String why) {
    return new KmsConfigException(LocalKms.PROVIDER_ID, null, "invalid URI '" + uri + "': " + why);
  }
}
