package dev.pipeseal.kms.gcp;

import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.testing.HttpStub;
import dev.pipeseal.kms.testing.HttpStub.Reply;
import dev.pipeseal.kms.testing.HttpStub.Request;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Plays Cloud KMS REST v1 ({@code cryptoKeys.encrypt}, {@code decrypt}, {@code get}, {@code
 * create}, {@code list}, {@code cryptoKeyVersions.create}, {@code updatePrimaryVersion}), Google's
 * OAuth token endpoint (JWT bearer grant with the signature checked, refresh-token grant) and the
 * metadata server's token endpoint, by their documented shapes: {@code {"error": {"code",
 * "message", "status"}}} bodies, int64 CRC32C fields as strings, versions in resource names.
 */
final class GcpKmsStub implements AutoCloseable {
  static final String RING = "projects/pipeseal-test/locations/europe-west1/keyRings/lake";
  static final String EMAIL = "pipeseal@pipeseal-test.iam.gserviceaccount.com";
  static final String TOKEN_PREFIX = "ya29.DISTINCTIVE-gcp-token-";
  private static final Pattern KEY =
      Pattern.compile(
          "/v1/"
              + Pattern.quote(RING)
              + "/cryptoKeys(?:/([A-Za-z0-9_-]+)(:encrypt|:decrypt|:updatePrimaryVersion|/cryptoKeyVersions)?)?");
  private static final SecureRandom RANDOM = new SecureRandom();

  final HttpStub http;
  final KeyPair serviceAccount;
  final Map<String, List<byte[]>> keys = new TreeMap<>();
  final Map<String, Integer> primary = new HashMap<>();
  final Set<String> validTokens = new HashSet<>();
  final Set<String> deniedKeys = new HashSet<>();
  final AtomicInteger issued = new AtomicInteger();
  final List<String> aads = new ArrayList<>();
  long tokenLifetimeSeconds = 3599;
  String refreshToken = "1//DISTINCTIVE-refresh-token";

  private static KeyPair shared;

  /** A stub that knows the service-account key all tests share (RSA key generation is slow). */
  GcpKmsStub() throws IOException, GeneralSecurityException {
    this(sharedKeyPair());
  }

  GcpKmsStub(KeyPair serviceAccount) throws IOException {
    this.serviceAccount = serviceAccount;
    http = HttpStub.start(this::handle);
  }

  static synchronized KeyPair sharedKeyPair() throws GeneralSecurityException {
    if (shared == null) {
      shared = newKeyPair();
    }
    return shared;
  }

  static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  String tokenUri() {
    return http.uri() + "/token";
  }

  /** A service-account key file as the IAM console downloads it. */
  Path serviceAccountFile(Path dir) throws IOException {
    String pem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(serviceAccount.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    Map<String, Object> json = new java.util.LinkedHashMap<>();
    json.put("type", "service_account");
    json.put("project_id", "pipeseal-test");
    json.put("private_key_id", "0123abcd");
    json.put("private_key", pem);
    json.put("client_email", EMAIL);
    json.put("client_id", "1234567890");
    json.put("auth_uri", "https://accounts.google.com/o/oauth2/auth");
    json.put("token_uri", tokenUri());
    json.put("universe_domain", "googleapis.com");
    Path file = dir.resolve("sa.json");
    Files.writeString(file, FlatJson.write(json));
    return file;
  }

  synchronized void createKey(String name) {
    keys.computeIfAbsent(name, n -> new ArrayList<>()).add(randomKey());
    primary.put(name, keys.get(name).size());
  }

  /** A second key name over the same key material, so only the AAD tells them apart. */
  synchronized void sameMaterial(String name, String as) {
    keys.put(name, keys.get(as));
    primary.put(name, primary.get(as));
  }

  /** A new version made primary, as {@code gcloud kms keys versions create --primary} does. */
  synchronized void rotate(String name) {
    keys.get(name).add(randomKey());
    primary.put(name, keys.get(name).size());
  }

  private synchronized Reply handle(Request r) throws Exception {
    if (r.path().equals("/token")) {
      return token(r);
    }
    if (r.path().equals("/computeMetadata/v1/instance/service-accounts/default/token")) {
      if (!"Google".equals(r.header("Metadata-Flavor"))) {
        return Reply.json(403, "{\"error\":\"missing Metadata-Flavor header\"}");
      }
      return issue();
    }
    String auth = r.header("Authorization");
    if (auth == null || !auth.startsWith("Bearer ") || !validTokens.contains(auth.substring(7))) {
      return error(
          401,
          "UNAUTHENTICATED",
          "Request had invalid authentication credentials. Expected OAuth 2 access token.");
    }
    Matcher m = KEY.matcher(r.path());
    if (!m.matches()) {
      return error(404, "NOT_FOUND", "The requested URL was not found.");
    }
    String name = m.group(1);
    String op = m.group(2);
    if (name == null) {
      return r.method().equals("POST") ? create(r) : list(r);
    }
    String resource = RING + "/cryptoKeys/" + name;
    if (deniedKeys.contains(name)) {
      return error(
          403,
          "PERMISSION_DENIED",
          "Permission 'cloudkms.cryptoKeyVersions.useToEncrypt' denied on resource '"
              + resource
              + "' (or it may not exist).");
    }
    List<byte[]> versions = keys.get(name);
    if (versions == null) {
      return error(404, "NOT_FOUND", resource + " not found.");
    }
    if (op == null) {
      return ok(keyJson(name));
    }
    Map<String, Object> body = FlatJson.parse(r.body().isEmpty() ? "{}" : r.body());
    switch (op) {
      case ":encrypt" -> {
        byte[] plain = Base64.getDecoder().decode((String) body.get("plaintext"));
        byte[] aad = Base64.getDecoder().decode((String) body.get("additionalAuthenticatedData"));
        if (!String.valueOf(GcpKms.crc32c(plain)).equals(body.get("plaintextCrc32c"))
            || !String.valueOf(GcpKms.crc32c(aad))
                .equals(body.get("additionalAuthenticatedDataCrc32c"))) {
          return error(
              400, "INVALID_ARGUMENT", "The checksum in field plaintext_crc32c did not match.");
        }
        aads.add(new String(aad, StandardCharsets.UTF_8));
        int v = primary.get(name);
        byte[] ct = seal(versions.get(v - 1), v, plain, aad);
        return ok(
            "{\"name\":\""
                + resource
                + "/cryptoKeyVersions/"
                + v
                + "\",\"ciphertext\":\""
                + Base64.getEncoder().encodeToString(ct)
                + "\",\"ciphertextCrc32c\":\""
                + GcpKms.crc32c(ct)
                + "\",\"verifiedPlaintextCrc32c\":true,"
                + "\"verifiedAdditionalAuthenticatedDataCrc32c\":true,"
                + "\"protectionLevel\":\"SOFTWARE\"}");
      }
      case ":decrypt" -> {
        byte[] ct = Base64.getDecoder().decode((String) body.get("ciphertext"));
        byte[] aad = Base64.getDecoder().decode((String) body.get("additionalAuthenticatedData"));
        if (!String.valueOf(GcpKms.crc32c(ct)).equals(body.get("ciphertextCrc32c"))) {
          return error(
              400, "INVALID_ARGUMENT", "The checksum in field ciphertext_crc32c did not match.");
        }
        int v = ct.length > 4 ? ByteBuffer.wrap(ct).getInt() : 0;
        byte[] plain = v >= 1 && v <= versions.size() ? open(versions.get(v - 1), ct, aad) : null;
        if (plain == null) {
          return error(400, "INVALID_ARGUMENT", "Decryption failed: the ciphertext is invalid.");
        }
        return ok(
            "{\"plaintext\":\""
                + Base64.getEncoder().encodeToString(plain)
                + "\",\"plaintextCrc32c\":\""
                + GcpKms.crc32c(plain)
                + "\",\"usedPrimary\":"
                + (v == primary.get(name))
                + ",\"protectionLevel\":\"SOFTWARE\"}");
      }
      case "/cryptoKeyVersions" -> {
        versions.add(randomKey());
        return ok(versionJson(name, versions.size()));
      }
      default -> {
        int v = Integer.parseInt(String.valueOf(body.get("cryptoKeyVersionId")));
        if (v < 1 || v > versions.size()) {
          return error(404, "NOT_FOUND", resource + "/cryptoKeyVersions/" + v + " not found.");
        }
        primary.put(name, v);
        return ok(keyJson(name));
      }
    }
  }

  private Reply create(Request r) {
    String id = r.query() == null ? "" : r.query().replaceFirst("^cryptoKeyId=", "");
    if (keys.containsKey(id)) {
      return error(
          409, "ALREADY_EXISTS", "CryptoKey " + RING + "/cryptoKeys/" + id + " already exists.");
    }
    if (!r.body().contains("\"purpose\":\"ENCRYPT_DECRYPT\"")) {
      return error(400, "INVALID_ARGUMENT", "purpose is required");
    }
    createKey(id);
    return ok(keyJson(id));
  }

  // One key per page, to exercise nextPageToken.
  private Reply list(Request r) {
    List<String> names = new ArrayList<>(keys.keySet());
    int start =
        r.query() != null && r.query().startsWith("pageToken=")
            ? names.indexOf(URLDecoder.decode(r.query().substring(10), StandardCharsets.UTF_8)) + 1
            : 0;
    if (start >= names.size()) {
      return ok("{}");
    }
    String name = names.get(start);
    return ok(
        "{\"cryptoKeys\":["
            + keyJson(name)
            + "],"
            + (start + 1 < names.size() ? "\"nextPageToken\":\"" + name + "\"," : "")
            + "\"totalSize\":"
            + names.size()
            + "}");
  }

  private Reply token(Request r) throws GeneralSecurityException {
    Map<String, String> form = new HashMap<>();
    for (String pair : r.body().split("&")) {
      int eq = pair.indexOf('=');
      form.put(
          pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    if ("refresh_token".equals(form.get("grant_type"))) {
      return refreshToken.equals(form.get("refresh_token"))
              && "client-1".equals(form.get("client_id"))
          ? issue()
          : Reply.json(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Bad Request\"}");
    }
    if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(form.get("grant_type"))) {
      return Reply.json(400, "{\"error\":\"unsupported_grant_type\"}");
    }
    String[] jwt = form.get("assertion").split("\\.");
    Signature rs256 = Signature.getInstance("SHA256withRSA");
    rs256.initVerify(serviceAccount.getPublic());
    rs256.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
    if (!rs256.verify(Base64.getUrlDecoder().decode(jwt[2]))) {
      return Reply.json(
          400, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}");
    }
    Map<String, Object> header =
        FlatJson.parse(new String(Base64.getUrlDecoder().decode(jwt[0]), StandardCharsets.UTF_8));
    Map<String, Object> claims =
        FlatJson.parse(new String(Base64.getUrlDecoder().decode(jwt[1]), StandardCharsets.UTF_8));
    if (!"RS256".equals(header.get("alg"))
        || !"0123abcd".equals(header.get("kid"))
        || !EMAIL.equals(claims.get("iss"))
        || !tokenUri().equals(claims.get("aud"))
        || !GoogleTokens.SCOPE.equals(claims.get("scope"))
        || (Long) claims.get("exp") - (Long) claims.get("iat") != 3600) {
      return Reply.json(
          400, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT.\"}");
    }
    return issue();
  }

  private Reply issue() {
    String token = TOKEN_PREFIX + issued.incrementAndGet();
    validTokens.add(token);
    return ok(
        "{\"access_token\":\""
            + token
            + "\",\"expires_in\":"
            + tokenLifetimeSeconds
            + ",\"token_type\":\"Bearer\"}");
  }

  private String keyJson(String name) {
    return "{\"name\":\""
        + RING
        + "/cryptoKeys/"
        + name
        + "\",\"primary\":"
        + versionJson(name, primary.get(name))
        + ",\"purpose\":\"ENCRYPT_DECRYPT\",\"createTime\":\"2026-01-01T00:00:00.000000Z\","
        + "\"versionTemplate\":{\"protectionLevel\":\"SOFTWARE\","
        + "\"algorithm\":\"GOOGLE_SYMMETRIC_ENCRYPTION\"},\"destroyScheduledDuration\":\"86400s\"}";
  }

  private static String versionJson(String name, int v) {
    return "{\"name\":\""
        + RING
        + "/cryptoKeys/"
        + name
        + "/cryptoKeyVersions/"
        + v
        + "\",\"state\":\"ENABLED\",\"createTime\":\"2026-01-01T00:00:00.000000Z\","
        + "\"protectionLevel\":\"SOFTWARE\",\"algorithm\":\"GOOGLE_SYMMETRIC_ENCRYPTION\","
        + "\"generateTime\":\"2026-01-01T00:00:00.000000Z\"}";
  }

  // Cloud KMS ciphertext is opaque and names its version; here: version, nonce, AES-GCM.
  private static byte[] seal(byte[] key, int v, byte[] plain, byte[] aad)
      throws GeneralSecurityException {
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
    c.updateAAD(aad);
    byte[] sealed = c.doFinal(plain);
    return ByteBuffer.allocate(4 + 12 + sealed.length).putInt(v).put(nonce).put(sealed).array();
  }

  private static byte[] open(byte[] key, byte[] ct, byte[] aad) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, ct, 4, 12));
      c.updateAAD(aad);
      return c.doFinal(ct, 16, ct.length - 16);
    } catch (RuntimeException | GeneralSecurityException e) {
      return null;
    }
  }

  private static byte[] randomKey() {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return k;
  }

  static Reply ok(String body) {
    return Reply.json(200, body);
  }

  static Reply error(int code, String status, String message) {
    return Reply.json(
        code,
        "{\"error\":{\"code\":"
            + code
            + ",\"message\":\""
            + message.replace("\"", "\\\"")
            + "\",\"status\":\""
            + status
            + "\"}}");
  }

  @Override
  public void close() {
    http.close();
  }
}
