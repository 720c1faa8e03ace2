package dev.pipeseal.kms.vault;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.rest.AccessToken;
import dev.pipeseal.kms.rest.HttpFailures;
import dev.pipeseal.kms.rest.Json;
import dev.pipeseal.kms.rest.OAuthTokens;
import dev.pipeseal.kms.rest.RestKms;
import dev.pipeseal.kms.rest.RestResponse;
import dev.pipeseal.kms.secret.SecretSource;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Vault / OpenBao Transit over its HTTP API (v1). Every wrapped key is Transit ciphertext ({@code
 * vault:v3:...}) whose version prefix becomes the wrapped key's master key version, so rewrap knows
 * what is current without asking.
 *
 * <p>Vault answers 403 both for a policy that denies and for a token that expired or was revoked,
 * so a 403 first drops the token and repeats the call once with a new one (renewed, re-read or
 * logged in again); a second 403 is an {@link AccessDeniedException}.
 */
final class VaultKms extends RestKms {
  static final String ALGORITHM = "VAULT-TRANSIT";
  private static final String P = VaultKmsService.PROVIDER_ID;

  private final VaultConfig config;
  private final SecretSource secrets;
  private final Clock clock;

  VaultKms(VaultConfig config, SecretSource secrets, Clock clock) {
    super(
        P,
        config.rest(),
        secrets,
        clock,
        new KeyNames(VaultConfig::validKeyName, "not a valid Transit key name", "Transit key"),
        config.pinnedKey(),
        403);
    this.config = config;
    this.secrets = secrets;
    this.clock = clock;
  }

  static VaultKms open(VaultConfig config) {
    return new VaultKms(config, SecretSource.system(), Clock.systemUTC());
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return guarded(
        () -> {
          checkName(masterKeyName);
          return call(
                  "generate data key",
                  masterKeyName,
                  "POST",
                  transit("datakey/plaintext/" + masterKeyName),
                  FlatJson.write(Map.of("bits", 256)))
              .thenApply(
                  json -> {
                    String ciphertext = field(json, "data.ciphertext", masterKeyName, "generate");
                    String version = versionOf(ciphertext, masterKeyName, "generate");
                    DataKey key =
                        dataKey(
                            field(json, "data.plaintext", masterKeyName, "generate"),
                            masterKeyName,
                            "generate");
                    return new DataKeyPair(key, wrapped(masterKeyName, version, ciphertext));
                  });
        });
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    String name = wrapped.masterKeyName();
    return withCiphertext("unwrap", "decrypt", wrapped)
        .thenApply(json -> dataKey(field(json, "data.plaintext", name, "unwrap"), name, "unwrap"));
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    String name = wrapped.masterKeyName();
    // One call whatever the version: Transit's rewrap returns the same version when current.
    return withCiphertext("rewrap", "rewrap", wrapped)
        .thenApply(
            json -> {
              String fresh = field(json, "data.ciphertext", name, "rewrap");
              String version = versionOf(fresh, name, "rewrap");
              return version.equals(wrapped.masterKeyVersion())
                  ? wrapped
                  : wrapped(name, version, fresh);
            });
  }

  @Override
  public MasterKeyInfo createKey(String masterKeyName) {
    checkName(masterKeyName);
    // Transit's create is idempotent; the SPI says create fails on an existing key.
    checkAbsent(masterKeyName, "the Transit key already exists");
    KmsCalls.await(
        call(
            "create",
            masterKeyName,
            "POST",
            transit("keys/" + masterKeyName),
            FlatJson.write(Map.of("type", "aes256-gcm96"))));
    return KmsCalls.await(describe(masterKeyName));
  }

  @Override
  public MasterKeyInfo rotateKey(String masterKeyName) {
    checkName(masterKeyName);
    KmsCalls.await(
        call("rotate", masterKeyName, "POST", transit("keys/" + masterKeyName + "/rotate"), "{}"));
    return KmsCalls.await(describe(masterKeyName));
  }

  @Override
  protected List<MasterKeyInfo> listAllKeys() {
    List<String> names = new ArrayList<>();
    try {
      Json json = KmsCalls.await(call("list", null, "GET", transit("keys?list=true"), null));
      for (Json n : json.at("data.keys").elements()) {
        n.string().filter(VaultConfig::validKeyName).ifPresent(names::add);
      }
    } catch (UnknownKeyException none) {
      // Vault answers 404 to LIST when the mount holds no key.
    }
    return describeAll(names);
  }

  @Override
  public String toString() {
    return "VaultKms[" + config.address() + ", mount " + config.mount() + "]";
  }

  // ---- requests

  private String transit(String rest) {
    return "/v1/" + config.mount() + "/" + rest;
  }

  /** Posts the wrapped key's Transit ciphertext to {@code endpoint} of its key. */
  private CompletableFuture<Json> withCiphertext(
      String operation, String endpoint, WrappedKey wrapped) {
    return guarded(
        () -> {
          String ciphertext = ciphertextOf(wrapped);
          String name = wrapped.masterKeyName();
          return call(
              operation,
              name,
              "POST",
              transit(endpoint + "/" + name),
              FlatJson.write(Map.of("ciphertext", ciphertext)));
        });
  }

  @Override
  protected String keyPath(String name) {
    return transit("keys/" + name);
  }

  @Override
  protected URI resolve(String path) {
    return URI.create(config.address() + path);
  }

  @Override
  protected void authorize(HttpRequest.Builder b, AccessToken token) {
    if (token != null) {
      b.header("X-Vault-Token", token.value());
    }
    config.namespace().ifPresent(ns -> b.header("X-Vault-Namespace", ns));
    b.header("X-Vault-Request", "true");
  }

  @Override
  protected KmsException errorFor(String operation, String keyName, RestResponse response) {
    StringBuilder detail = new StringBuilder();
    try {
      for (Json e : response.json().get("errors").elements()) {
        e.string().ifPresent(s -> detail.append(detail.length() == 0 ? "" : "; ").append(s));
      }
    } catch (IllegalArgumentException notJson) {
      // Proxies answer with HTML; the status alone must do.
    }
    String text = HttpFailures.detail(detail.toString());
    String lower = detail.toString().toLowerCase(Locale.ROOT);
    int status = response.status();
    if (status == 400 && lower.contains("not found")) {
      return new UnknownKeyException(
          P, keyName, operation + " failed: HTTP 400: " + text + " (no such Transit key)");
    }
    if (status == 400
        && (operation.equals("unwrap") || operation.equals("rewrap"))
        && (lower.contains("ciphertext")
            || lower.contains("decrypt")
            || lower.contains("authentication failed")
            || lower.contains("version"))) {
      return new InvalidWrappedKeyException(P, keyName, operation + " failed: HTTP 400: " + text);
    }
    if (status == 412) {
      // A performance standby has not caught up yet: transient.
      return new KmsUnavailableException(
          P, keyName, operation + " failed: HTTP 412 (standby not up to date, transient)");
    }
    return HttpFailures.forStatus(P, keyName, operation, status, text);
  }

  // ---- tokens

  @Override
  protected CompletableFuture<AccessToken> fetchToken(AccessToken previous) {
    VaultConfig.Auth auth = config.auth();
    if (auth instanceof VaultConfig.TokenAuth t) {
      return CompletableFuture.completedFuture(
          AccessToken.fromReference(secrets, t.tokenReference(), P, VaultConfig.TOKEN));
    }
    if (previous != null && previous.renewable() && previous.usableAt(clock.instant())) {
      return authCall("renew-self", "/v1/auth/token/renew-self", "{}", previous)
          .exceptionallyCompose(renewFailed -> login());
    }
    return login();
  }

  private CompletableFuture<AccessToken> login() {
    VaultConfig.Auth auth = config.auth();
    Map<String, Object> body = new LinkedHashMap<>();
    String mount;
    if (auth instanceof VaultConfig.AppRoleAuth a) {
      body.put("role_id", a.roleId());
      char[] secretId = secrets.resolve(a.secretIdReference(), P, VaultConfig.APPROLE_SECRET_ID);
      body.put("secret_id", new String(secretId));
      Arrays.fill(secretId, '\0');
      mount = a.mount();
    } else {
      VaultConfig.KubernetesAuth k = (VaultConfig.KubernetesAuth) auth;
      String jwt;
      try {
        jwt = OAuthTokens.readTokenFile(P, VaultConfig.KUBERNETES_JWT_FILE, k.jwtFile());
      } catch (KmsConfigException e) {
        return CompletableFuture.failedFuture(e);
      }
      body.put("role", k.role());
      body.put("jwt", jwt);
      mount = k.mount();
    }
    return authCall("login", "/v1/auth/" + mount + "/login", FlatJson.write(body), null);
  }

  private CompletableFuture<AccessToken> authCall(
      String what, String path, String body, AccessToken token) {
    return client
        .send(request("POST", resolve(path), body, token))
        .handle(
            (response, failure) -> {
              if (failure != null) {
                throw HttpFailures.forTransport(P, null, "Vault " + what, failure);
              }
              if (!response.ok()) {
                KmsException e = errorFor("Vault " + what, null, response);
                throw e instanceof KmsUnavailableException
                    ? e
                    : new AccessDeniedException(P, null, e.getMessage());
              }
              Json auth;
              try {
                auth = response.json().get("auth");
              } catch (IllegalArgumentException e) {
                throw HttpFailures.malformed(P, null, "Vault " + what, e.getMessage());
              }
              String value =
                  auth.get("client_token")
                      .string()
                      .filter(s -> !s.isEmpty())
                      .orElseThrow(
                          () ->
                              HttpFailures.malformed(
                                  P, null, "Vault " + what, "no auth.client_token"));
              long lease = auth.get("lease_duration").number().orElse(0L);
              boolean renewable = auth.get("renewable").bool().orElse(false);
              return lease <= 0
                  ? AccessToken.permanent(value)
                  : AccessToken.expiringIn(
                      value, Duration.ofSeconds(lease), clock.instant(), renewable);
            });
  }

  // ---- values

  private String ciphertextOf(WrappedKey wrapped) {
    String name = wrapped.masterKeyName();
    checkOrigin(wrapped, ALGORITHM::equals, "a Vault Transit");
    checkName(name);
    String ciphertext = new String(wrapped.bytes(), StandardCharsets.US_ASCII);
    String version;
    try {
      version = versionOf(ciphertext, name, "unwrap");
    } catch (KmsException e) {
      throw new InvalidWrappedKeyException(P, name, "wrapped bytes are not Transit ciphertext");
    }
    if (!version.equals(wrapped.masterKeyVersion())) {
      throw new InvalidWrappedKeyException(
          P,
          name,
          "wrapped key says version "
              + wrapped.masterKeyVersion()
              + " but its ciphertext is version "
              + version);
    }
    return ciphertext;
  }

  /** {@code vault:v3:...} gives {@code 3}. */
  static String versionOf(String ciphertext, String keyName, String operation) {
    if (ciphertext.startsWith("vault:v")) {
      int end = ciphertext.indexOf(':', 7);
      if (end > 7) {
        String v = ciphertext.substring(7, end);
        if (v.chars().allMatch(Character::isDigit) && v.length() < 10) {
          return v;
        }
      }
    }
    throw HttpFailures.malformed(P, keyName, operation, "ciphertext without a vault:vN: prefix");
  }

  private static WrappedKey wrapped(String name, String version, String ciphertext) {
    return new WrappedKey(
        P, name, version, ALGORITHM, ciphertext.getBytes(StandardCharsets.US_ASCII));
  }

  private static DataKey dataKey(String base64, String keyName, String operation) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw HttpFailures.malformed(P, keyName, operation, "plaintext is not base64");
    }
    try {
      if (bytes.length != DataKey.LENGTH_BYTES) {
        throw HttpFailures.malformed(
            P, keyName, operation, "plaintext is " + bytes.length + " bytes, not 32");
      }
      return DataKey.copyOf(bytes);
    } finally {
      DataKey.zero(bytes);
    }
  }

  @Override
  protected MasterKeyInfo info(String name, Json json) {
    Json data = json.get("data");
    long latest =
        data.get("latest_version")
            .number()
            .orElseThrow(() -> HttpFailures.malformed(P, name, "describe", "no latest_version"));
    long min = data.get("min_decryption_version").number().orElse(1L);
    List<Long> versions = new ArrayList<>();
    for (String v : data.get("keys").names()) {
      try {
        long n = Long.parseLong(v);
        if (n >= min) {
          versions.add(n);
        }
      } catch (NumberFormatException ignored) {
        // Not a version number: not ours to interpret.
      }
    }
    versions.sort(null);
    List<String> out = new ArrayList<>(versions.size());
    versions.forEach(v -> out.add(Long.toString(v)));
    if (out.isEmpty()) {
      out.add(Long.toString(latest));
    }
    return new MasterKeyInfo(P, name, Long.toString(latest), out);
  }
}
