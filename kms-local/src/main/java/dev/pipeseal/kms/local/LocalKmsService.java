package dev.pipeseal.kms.local;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.secret.SecretSource;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Opens {@link LocalKms} for {@code local:///abs/path/keys.p12} or {@code local:relative/keys.p12}
 * (relative to the working directory).
 *
 * <p>Config: {@code password} (required, {@code env:NAME} or {@code file:/path}), {@code create}
 * ({@code true} creates an empty key store when the file is missing; default {@code false}).
 */
public final class LocalKmsService implements KmsService {
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
  public Kms create(URI uri, Map<String, String> config) {
    Path path = path(uri);
    boolean create = parseBoolean(config.getOrDefault("create", "false"));
    char[] password = secrets.resolve(config.get("password"), LocalKms.PROVIDER_ID, "password");
    try {
      return LocalKms.open(path, password, create);
    } finally {
      Arrays.fill(password, '\0');
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

  private static boolean parseBoolean(String value) {
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new KmsConfigException(
              LocalKms.PROVIDER_ID, null, "'create' must be true or false, got '" + value + "'");
    };
  }

  private static KmsConfigException invalidUri(URI uri, String why) {
    return new KmsConfigException(LocalKms.PROVIDER_ID, null, "invalid URI '" + uri + "': " + why);
  }
}
