package dev.pipeseal.kms.gcp;

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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.zip.CRC32C;

/**
 * Cloud KMS over its REST API v1. Cloud KMS has no data-key call, so a DEK is made here ({@link
 * DataKey#generate()}, SecureRandom) and sent to {@code cryptoKeys.encrypt}, which uses the primary
 * version; the version in the answer's {@code name} becomes the wrapped key's master key version.
 * Both directions send and check CRC32C checksums, as Google asks clients to, so a corrupted
 * request or answer is caught rather than stored.
 *
 * <p>The additional authenticated data is the wrapped key's context (provider and master key name):
 * a wrapped key relabelled to another master key fails to decrypt.
 */
final class GcpKms extends RestKms {
  static final String ALGORITHM = "GCP-KMS";
  private static final String P = GcpKmsService.PROVIDER_ID;

  private final GcpKmsConfig config;
  private final GoogleTokens googleTokens;

  GcpKms(GcpKmsConfig config, SecretSource secrets, Clock clock) {
    super(
        P,
        config.rest(),
        secrets,
        clock,
        new KeyNames(
            GcpKmsConfig::validKeyName, "not a valid Cloud KMS crypto key id", "crypto key"),
        config.pinnedKey(),
        401);
    this.config = config;
    this.googleTokens = new GoogleTokens(config.credentials(), client, secrets, clock);
  }

  static GcpKms open(GcpKmsConfig config) {
    return new GcpKms(config, SecretSource.system(), Clock.systemUTC());
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return guarded(
        () -> {
          checkName(masterKeyName);
          return wrapNewDataKey(masterKeyName, dek -> encrypt(masterKeyName, dek));
        });
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    return guarded(
        () -> {
          check(wrapped);
          return decrypt(wrapped, "unwrap");
        });
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    return guarded(
        () -> {
          check(wrapped);
          // Cloud KMS has no re-encrypt call: decrypt and encrypt again, only if the primary moved.
          return rewrapIfMoved(
              wrapped,
              () -> decrypt(wrapped, "rewrap"),
              (info, dek) -> encrypt(wrapped.masterKeyName(), dek));
        });
  }

  @Override
  public MasterKeyInfo createKey(String masterKeyName) {
    checkName(masterKeyName);
    KmsCalls.await(
        call(
            "create",
            masterKeyName,
            "POST",
            config.keyRing() + "/cryptoKeys?cryptoKeyId=" + masterKeyName,
            FlatJson.write(Map.of("purpose", "ENCRYPT_DECRYPT"))));
    return KmsCalls.await(describe(masterKeyName));
  }

  @Override
  public MasterKeyInfo rotateKey(String masterKeyName) {
    checkName(masterKeyName);
    Json version =
        KmsCalls.await(
            call(
                "rotate",
                masterKeyName,
                "POST",
                keyPath(masterKeyName) + "/cryptoKeyVersions",
                "{}"));
    String id = lastSegment(field(version, "name", masterKeyName, "rotate"));
    KmsCalls.await(
        call(
            "rotate",
            masterKeyName,
            "POST",
            keyPath(masterKeyName) + ":updatePrimaryVersion",
            FlatJson.write(Map.of("cryptoKeyVersionId", id))));
    return KmsCalls.await(describe(masterKeyName));
  }

  @Override
  protected List<MasterKeyInfo> listAllKeys() {
    List<MasterKeyInfo> out = new ArrayList<>();
    String page = null;
    do {
      String path =
          config.keyRing()
              + "/cryptoKeys"
              + (page == null
                  ? ""
                  : "?pageToken=" + URLEncoder.encode(page, StandardCharsets.UTF_8));
      Json json = KmsCalls.await(call("list", null, "GET", path, null));
      for (Json key : json.get("cryptoKeys").elements()) {
        String name = lastSegment(key.get("name").string().orElse(""));
        if ("ENCRYPT_DECRYPT".equals(key.get("purpose").string().orElse(""))
            && !key.get("primary").isMissing()) {
          out.add(info(name, key));
        }
      }
      page = json.get("nextPageToken").string().filter(s -> !s.isEmpty()).orElse(null);
    } while (page != null);
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  @Override
  public String toString() {
    return "GcpKms[" + config.keyRing() + "]";
  }

  @Override
  protected CompletableFuture<AccessToken> fetchToken(AccessToken previous) {
    return googleTokens.fetch(previous);
  }

  @Override
  protected URI resolve(String path) {
    return URI.create(config.endpoint() + "/v1/" + path);
  }

  // ---- operations

  private CompletableFuture<WrappedKey> encrypt(String name, DataKey dek) {
    byte[] aad = aad(name);
    Map<String, Object> body = new LinkedHashMap<>();
    dek.withMaterial(
        material -> {
          body.put("plaintext", Base64.getEncoder().encodeToString(material));
          body.put("plaintextCrc32c", Long.toString(crc32c(material)));
          return null;
        });
    body.put("additionalAuthenticatedData", Base64.getEncoder().encodeToString(aad));
    body.put("additionalAuthenticatedDataCrc32c", Long.toString(crc32c(aad)));
    return call("encrypt", name, "POST", keyPath(name) + ":encrypt", FlatJson.write(body))
        .thenApply(
            json -> {
              String version = lastSegment(field(json, "name", name, "encrypt"));
              if (!field(json, "name", name, "encrypt")
                  .equals(keyPath(name) + "/cryptoKeyVersions/" + version)) {
                throw HttpFailures.malformed(
                    P, name, "encrypt", "name is not a version of the key");
              }
              byte[] ciphertext =
                  base64(field(json, "ciphertext", name, "encrypt"), name, "encrypt");
              if (!json.get("verifiedPlaintextCrc32c").bool().orElse(false)
                  || !json.get("verifiedAdditionalAuthenticatedDataCrc32c").bool().orElse(false)
                  || json.get("ciphertextCrc32c").number().orElse(-1L) != crc32c(ciphertext)) {
                throw new KmsUnavailableException(
                    P,
                    name,
                    "encrypt failed: CRC32C integrity check failed in transit (transient)");
              }
              return new WrappedKey(P, name, version, ALGORITHM, ciphertext);
            });
  }

  private CompletableFuture<DataKey> decrypt(WrappedKey wrapped, String operation) {
    String name = wrapped.masterKeyName();
    byte[] ciphertext = wrapped.bytes();
    byte[] aad = aad(name);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ciphertext", Base64.getEncoder().encodeToString(ciphertext));
    body.put("ciphertextCrc32c", Long.toString(crc32c(ciphertext)));
    body.put("additionalAuthenticatedData", Base64.getEncoder().encodeToString(aad));
    body.put("additionalAuthenticatedDataCrc32c", Long.toString(crc32c(aad)));
    return call(operation, name, "POST", keyPath(name) + ":decrypt", FlatJson.write(body))
        .thenApply(
            json -> {
              byte[] plain = base64(field(json, "plaintext", name, operation), name, operation);
              try {
                if (json.get("plaintextCrc32c").number().orElse(-1L) != crc32c(plain)) {
                  throw new KmsUnavailableException(
                      P,
                      name,
                      operation + " failed: CRC32C integrity check failed in transit (transient)");
                }
                if (plain.length != DataKey.LENGTH_BYTES) {
                  throw new InvalidWrappedKeyException(
                      P, name, operation + " failed: decrypted key is not 32 bytes");
                }
                return DataKey.copyOf(plain);
              } finally {
                DataKey.zero(plain);
              }
            });
  }

  /** Google's error body: {@code {"error": {"code", "message", "status"}}}. */
  @Override
  protected KmsException errorFor(String operation, String keyName, RestResponse response) {
    String status = "";
    String message = "";
    try {
      Json error = response.json().get("error");
      status = error.get("status").string().orElse("");
      message = error.get("message").string().orElse("");
    } catch (IllegalArgumentException notJson) {
      // A proxy's HTML page: the HTTP status alone must do.
    }
    String detail = HttpFailures.detail((status.isEmpty() ? "" : status + ": ") + message);
    if (response.status() == 400
        && "INVALID_ARGUMENT".equals(status)
        && (operation.equals("unwrap") || operation.equals("rewrap"))) {
      return new InvalidWrappedKeyException(P, keyName, operation + " failed: HTTP 400: " + detail);
    }
    if (response.status() == 409 && "ALREADY_EXISTS".equals(status)) {
      return new KmsException(P, keyName, operation + " failed: the key already exists");
    }
    return HttpFailures.forStatus(P, keyName, operation, response.status(), detail);
  }

  // ---- values

  @Override
  protected String keyPath(String name) {
    return config.keyRing() + "/cryptoKeys/" + name;
  }

  static byte[] aad(String masterKeyName) {
    return ("pipeseal wrapped key v1|" + P + "|" + masterKeyName).getBytes(StandardCharsets.UTF_8);
  }

  private void check(WrappedKey wrapped) {
    checkOrigin(wrapped, ALGORITHM::equals, "a Cloud KMS");
    checkName(wrapped.masterKeyName());
  }

  @Override
  protected MasterKeyInfo info(String name, Json key) {
    Json primary = key.get("primary");
    if (primary.isMissing()) {
      throw new KmsException(
          P,
          name,
          "describe failed: the key has no primary version (purpose must be ENCRYPT_DECRYPT)");
    }
    String version = lastSegment(field(primary, "name", name, "describe"));
    return new MasterKeyInfo(P, name, version, List.of(version));
  }

  private static byte[] base64(String text, String keyName, String operation) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw HttpFailures.malformed(P, keyName, operation, "not base64");
    }
  }

  private static String lastSegment(String name) {
    return name.substring(name.lastIndexOf('/') + 1);
  }

  static long crc32c(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return crc.getValue();
  }
}
