package dev.pipeseal.kms.pq;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.secret.SecretReference;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Settings;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settings of the hybrid provider, parsed in one place ({@link #parse}).
 *
 * <p>URI: {@code hybrid:///abs/recipients.pub} or {@code hybrid:relative/recipients.pub} (a file of
 * recipient public keys, or a directory of {@code *.pub} files). Settings come from the provider
 * config ({@code pipeseal.kms.provider.*}) or the URI query; the config wins.
 *
 * @param recipients public recipient keys: all a write-only producer needs
 * @param privateKeys PKCS#12 file of recipient private keys ({@code private-keys}); null on
 *     write-only producers, which then cannot unwrap anything
 * @param password reference ({@code env:NAME} / {@code file:/path}) to the private key store's
 *     password ({@code password}); required with {@code private-keys}
 * @param create create an empty private key store and recipients file when missing ({@code create},
 *     default false; for the admin setting up recipients)
 * @param sealUri when set ({@code seal.uri}, e.g. {@code pkcs11:token=pipeseal}), {@code
 *     private-keys} is a file of seeds sealed by that KMS instead of a PKCS#12 file, and no {@code
 *     password} is used
 * @param sealKey master key of the sealing KMS that wraps the seeds ({@code seal.key})
 * @param sealConfig settings of the sealing provider: every {@code seal.*} setting but {@code
 *     seal.uri} and {@code seal.key}, prefix removed (e.g. {@code seal.pin})
 */
public record HybridConfig(
    Path recipients,
    Path privateKeys,
    String password,
    boolean create,
    String sealUri,
    String sealKey,
    Map<String, String> sealConfig) {
  public static final Property<Path> PRIVATE_KEYS =
      Property.of(
          "private-keys",
          "path",
          null,
          Path::of,
          "PKCS#12 file of recipient private keys (or sealed seeds with seal.uri); unset on"
              + " write-only producers.");
  public static final Property<SecretReference> PASSWORD =
      Property.secret(
          "password", "Private key store password, env:NAME or file:/path; needs private-keys.");
  public static final Property<Boolean> CREATE =
      Property.bool(
          "create", false, "Create an empty private key store and recipients file when missing.");
  public static final Property<String> SEAL_URI =
      Property.string(
          "seal.uri",
          null,
          "KMS that seals the private key seeds (e.g. pkcs11:token=pipeseal) instead of a"
              + " password.");
  public static final Property<String> SEAL_KEY =
      Property.string("seal.key", null, "Master key of the sealing KMS; needs seal.uri.");
  public static final String SEAL_PREFIX = "seal.";

  /** Settings under {@code pipeseal.kms.provider.} (or the URI query) for a {@code hybrid:} URI. */
  public static final PropertySet PROPERTIES =
      PropertySet.of(
              "hybrid provider",
              "pipeseal.kms.provider.",
              PRIVATE_KEYS,
              PASSWORD,
              CREATE,
              SEAL_URI,
              SEAL_KEY)
          .withPassThrough(SEAL_PREFIX, "settings of the sealing provider, e.g. seal.pin");

  public HybridConfig {
    sealConfig = Map.copyOf(sealConfig);
  }

  /** Reads the URI and provider settings; unknown settings are rejected. */
  public static HybridConfig parse(URI uri, Map<String, String> config) {
    Map<String, String> merged = new LinkedHashMap<>(query(uri));
    merged.putAll(config);
    Settings settings = Settings.of(merged).withSource(HybridKms.PROVIDER_ID).validate(PROPERTIES);
    Path recipients = path(uri);
    Path privateKeys = settings.get(PRIVATE_KEYS);
    SecretReference password = settings.get(PASSWORD);
    boolean create = settings.get(CREATE);
    String sealUri = settings.get(SEAL_URI);
    String sealKey = settings.get(SEAL_KEY);
    Map<String, String> sealConfig = new LinkedHashMap<>(settings.passThrough(SEAL_PREFIX));
    sealConfig.remove("uri");
    sealConfig.remove("key");
    if (sealUri != null) {
      if (privateKeys == null) {
        throw settings.invalid(SEAL_URI, "needs '" + PRIVATE_KEYS + "' (the sealed seeds file)");
      }
      if (sealKey == null) {
        throw settings.invalid(SEAL_URI, "needs '" + SEAL_KEY + "' (the sealing master key)");
      }
      if (sealUri.regionMatches(true, 0, HybridKms.PROVIDER_ID + ":", 0, 7)) {
        throw settings.invalid(SEAL_URI, "cannot be another hybrid provider");
      }
      if (password != null) {
        throw config(
            "'" + PASSWORD + "' is not used with '" + SEAL_URI + "'; give seal.* settings");
      }
      return new HybridConfig(recipients, privateKeys, null, create, sealUri, sealKey, sealConfig);
    }
    if (sealKey != null || !sealConfig.isEmpty()) {
      throw config("'" + SEAL_PREFIX + "*' settings need '" + SEAL_URI + "'");
    }
    if (privateKeys != null && password == null) {
      throw config("'" + PRIVATE_KEYS + "' needs '" + PASSWORD + "' (env:NAME or file:/path)");
    }
    if (privateKeys == null && password != null) {
      throw config("'" + PASSWORD + "' is set but '" + PRIVATE_KEYS + "' is not");
    }
    if (create && privateKeys == null) {
      throw config("'" + CREATE + "=true' needs '" + PRIVATE_KEYS + "'");
    }
    return new HybridConfig(
        recipients,
        privateKeys,
        password == null ? null : password.toString(),
        create,
        null,
        null,
        Map.of());
  }

  /** True when this process can only encrypt. */
  public boolean writeOnly() {
    return privateKeys == null;
  }

  private static Path path(URI uri) {
    String location;
    if (uri.isOpaque()) {
      location = uri.getSchemeSpecificPart();
      int q = location.indexOf('?');
      location = q < 0 ? location : location.substring(0, q);
    } else {
      if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
        throw config("invalid URI '" + uri + "': a host is not allowed; use hybrid:///abs/path");
      }
      location = uri.getPath();
    }
    if (location == null || location.isEmpty()) {
      throw config("invalid URI '" + uri + "': no recipients file");
    }
    try {
      return Path.of(location);
    } catch (InvalidPathException e) {
      throw config("invalid URI '" + uri + "': " + e.getMessage());
    }
  }

  private static Map<String, String> query(URI uri) {
    String q = uri.getRawQuery();
    if (q == null && uri.isOpaque()) {
      String ssp = uri.getRawSchemeSpecificPart();
      int i = ssp.indexOf('?');
      q = i < 0 ? null : ssp.substring(i + 1);
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (q == null || q.isEmpty()) {
      return out;
    }
    for (String pair : q.split("&")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw config("invalid URI query parameter '" + pair + "'");
      }
      out.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static KmsConfigException config(String message) {
    return new KmsConfigException(HybridKms.PROVIDER_ID, null, message);
  }
}
