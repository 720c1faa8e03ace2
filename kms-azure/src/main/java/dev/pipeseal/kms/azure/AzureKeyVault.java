package dev.pipeseal.kms.azure;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.rest.AccessToken;
import dev.pipeseal.kms.rest.HttpFailures;
import dev.pipeseal.kms.rest.Json;
import dev.pipeseal.kms.rest.RestKms;
import dev.pipeseal.kms.rest.RestResponse;
import dev.pipeseal.kms.secret.SecretSource;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * Azure Key Vault / Managed HSM keys over the REST API, api-version 7.4. Key Vault has no data-key
 * call, so a DEK is made here ({@link DataKey#generate()}, SecureRandom) and wrapped with {@code
 * wrapkey} under the key's current version, which the {@code kid} of a key read names; that version
 * is the wrapped key's master key version and the one {@code unwrapkey} is sent to later.
 *
 * <p>Neither RSA-OAEP-256 nor A256KW takes associated data, so the wrapped key's context is not
 * bound here; with the bridge's KEK layer on (the default) the DEKs under a KEK are bound by
 * AES-GCM associated data there.
 */
final class AzureKeyVault extends RestKms {
  static final String API_VERSION = "7.4";
  private static final String P = AzureKeyVaultService.PROVIDER_ID;
  private static final String ALGORITHM_PREFIX = "AZURE-";
  private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z]{1,64}");

  private final AzureKeyVaultConfig config;
  private final EntraTokens entraTokens;

  AzureKeyVault(AzureKeyVaultConfig config, SecretSource secrets, Clock clock) {
    super(
        P,
        config.rest(),
        secrets,
        clock,
        new KeyNames(AzureKeyVaultConfig::validKeyName, "not a valid Key Vault key name", "key"),
        config.pinnedKey(),
        401);
    this.config = config;
    this.entraTokens = new EntraTokens(config, client, secrets, clock);
  }

  static AzureKeyVault open(AzureKeyVaultConfig config) {
    return new AzureKeyVault(config, SecretSource.system(), Clock.systemUTC());
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return describe(masterKeyName)
        .thenCompose(
            info ->
                wrapNewDataKey(
                    masterKeyName, dek -> wrap(masterKeyName, info.currentVersion(), dek)));
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    return guarded(() -> unwrap(wrapped, check(wrapped), "unwrap"));
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    return guarded(
        () -> {
          String alg = check(wrapped);
          // No re-wrap call in Key Vault: unwrap and wrap again, only if the current version moved.
          return rewrapIfMoved(
              wrapped,
              () -> unwrap(wrapped, alg, "rewrap"),
              (info, dek) -> wrap(wrapped.masterKeyName(), info.currentVersion(), dek));
        });
  }

  @Override
  public MasterKeyInfo createKey(String masterKeyName) {
    checkName(masterKeyName);
    // Key Vault's create adds a new version to an existing key; the SPI wants a failure instead.
    checkAbsent(masterKeyName, "the key already exists");
    Map<String, Object> body = new LinkedHashMap<>();
    if (config.algorithm().equals("A256KW")) {
      body.put("kty", "oct-HSM");
      body.put("key_size", 256);
    } else {
      body.put("kty", config.managedHsm() ? "RSA-HSM" : "RSA");
      body.put("key_size", 3072);
    }
    Json created =
        KmsCalls.await(
            call(
                "create",
                masterKeyName,
                "POST",
                keyUrl(masterKeyName, "/create"),
                FlatJson.write(body)));
    return info(masterKeyName, created);
  }

  @Override
  public MasterKeyInfo rotateKey(String masterKeyName) {
    checkName(masterKeyName);
    return info(
        masterKeyName,
        KmsCalls.await(
            call("rotate", masterKeyName, "POST", keyUrl(masterKeyName, "/rotate"), null)));
  }

  @Override
  protected List<MasterKeyInfo> listAllKeys() {
    List<String> names = new ArrayList<>();
    URI next = URI.create(config.endpoint() + "/keys?api-version=" + API_VERSION);
    while (next != null) {
      Json page = KmsCalls.await(call("list", null, "GET", next, null));
      for (Json item : page.get("value").elements()) {
        String kid = item.get("kid").string().orElse("");
        String name = kid.substring(kid.lastIndexOf('/') + 1);
        if (AzureKeyVaultConfig.validKeyName(name)) {
          names.add(name);
        }
      }
      next = page.get("nextLink").string().filter(s -> !s.isEmpty()).map(URI::create).orElse(null);
      // The bearer token goes to our vault only, whatever a nextLink says.
      if (next != null && !sameOrigin(next)) {
        throw HttpFailures.malformed(P, null, "list", "nextLink points to another host");
      }
    }
    return describeAll(names);
  }

  @Override
  public String toString() {
    return "AzureKeyVault[" + config.host() + ", " + config.algorithm() + "]";
  }

  @Override
  protected CompletableFuture<AccessToken> fetchToken(AccessToken previous) {
    return entraTokens.fetch(previous);
  }

  /** Paths here are whole URLs: Key Vault's list pages link to absolute ones. */
  @Override
  protected URI resolve(String url) {
    return URI.create(url);
  }

  // ---- operations

  private CompletableFuture<WrappedKey> wrap(String name, String version, DataKey dek) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("alg", config.algorithm());
    dek.withMaterial(
        m -> body.put("value", Base64.getUrlEncoder().withoutPadding().encodeToString(m)));
    return call(
            "wrap", name, "POST", keyUrl(name, "/" + version + "/wrapkey"), FlatJson.write(body))
        .thenApply(
            json -> {
              String kidVersion = versionOf(field(json, "kid", name, "wrap"), name, "wrap");
              if (!kidVersion.equals(version)) {
                throw HttpFailures.malformed(P, name, "wrap", "kid names another key version");
              }
              byte[] value = base64url(field(json, "value", name, "wrap"), name, "wrap");
              return new WrappedKey(P, name, version, ALGORITHM_PREFIX + config.algorithm(), value);
            });
  }

  private CompletableFuture<DataKey> unwrap(WrappedKey wrapped, String alg, String operation) {
    String name = wrapped.masterKeyName();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("alg", alg);
    body.put("value", Base64.getUrlEncoder().withoutPadding().encodeToString(wrapped.bytes()));
    return call(
            operation,
            name,
            "POST",
            keyUrl(name, "/" + wrapped.masterKeyVersion() + "/unwrapkey"),
            FlatJson.write(body))
        .thenApply(
            json -> {
              byte[] plain = base64url(field(json, "value", name, operation), name, operation);
              try {
                if (plain.length != DataKey.LENGTH_BYTES) {
                  throw new InvalidWrappedKeyException(
                      P, name, operation + " failed: unwrapped key is not 32 bytes");
                }
                return DataKey.copyOf(plain);
              } finally {
                DataKey.zero(plain);
              }
            });
  }

  /** Key Vault's error body: {@code {"error": {"code", "message", "innererror"}}}. */
  @Override
  protected KmsException errorFor(String operation, String keyName, RestResponse response) {
    String code = "";
    String message = "";
    try {
      Json error = response.json().get("error");
      code = error.get("code").string().orElse("");
      message = error.get("message").string().orElse("");
      String inner = error.at("innererror.code").string().orElse("");
      if (!inner.isEmpty()) {
        code = code + "/" + inner;
      }
    } catch (IllegalArgumentException notJson) {
      // A gateway's HTML page: the status alone must do.
    }
    String detail = HttpFailures.detail((code.isEmpty() ? "" : code + ": ") + message);
    int status = response.status();
    if (status == 400 && (operation.equals("unwrap") || operation.equals("rewrap"))) {
      return new InvalidWrappedKeyException(P, keyName, operation + " failed: HTTP 400: " + detail);
    }
    if (status == 429) {
      String after = response.headers().firstValue("Retry-After").orElse("");
      return new KmsUnavailableException(
          P,
          keyName,
          operation
              + " failed: HTTP 429: "
              + detail
              + " (throttled"
              + (after.matches("\\d{1,5}") ? ", retry after " + after + " s" : "")
              + ", transient)");
    }
    return HttpFailures.forStatus(P, keyName, operation, status, detail);
  }

  // ---- values

  @Override
  protected String keyPath(String name) {
    return keyUrl(name, "");
  }

  private String keyUrl(String name, String rest) {
    return config.endpoint() + "/keys/" + name + rest + "?api-version=" + API_VERSION;
  }

  private boolean sameOrigin(URI next) {
    URI base = config.endpoint();
    return base.getScheme().equalsIgnoreCase(String.valueOf(next.getScheme()))
        && base.getHost().equalsIgnoreCase(String.valueOf(next.getHost()))
        && base.getPort() == next.getPort();
  }

  /** Checks provider and algorithm; returns the Key Vault algorithm to unwrap with. */
  private String check(WrappedKey wrapped) {
    String name = wrapped.masterKeyName();
    String alg =
        wrapped.algorithm().startsWith(ALGORITHM_PREFIX)
            ? wrapped.algorithm().substring(ALGORITHM_PREFIX.length())
            : "";
    checkOrigin(
        wrapped, a -> alg.equals("RSA-OAEP-256") || alg.equals("A256KW"), "an Azure Key Vault");
    if (!VERSION.matcher(wrapped.masterKeyVersion()).matches()) {
      throw new InvalidWrappedKeyException(P, name, "invalid key version in wrapped key");
    }
    checkName(name);
    return alg;
  }

  @Override
  protected MasterKeyInfo info(String name, Json bundle) {
    String version = versionOf(field(bundle, "key.kid", name, "describe"), name, "describe");
    if (!bundle.at("attributes.enabled").bool().orElse(true)) {
      throw new KmsException(P, name, "the key's current version " + version + " is disabled");
    }
    return new MasterKeyInfo(P, name, version, List.of(version));
  }

  /** {@code https://v.vault.azure.net/keys/NAME/VERSION} gives {@code VERSION}. */
  private static String versionOf(String kid, String name, String operation) {
    String marker = "/keys/" + name + "/";
    int at = kid.indexOf(marker);
    String version = at < 0 ? "" : kid.substring(at + marker.length());
    if (!VERSION.matcher(version).matches()) {
      throw HttpFailures.malformed(P, name, operation, "kid does not name a version of the key");
    }
    return version;
  }

  private static byte[] base64url(String text, String keyName, String operation) {
    try {
      return Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw HttpFailures.malformed(P, keyName, operation, "value is not base64url");
    }
  }
}
