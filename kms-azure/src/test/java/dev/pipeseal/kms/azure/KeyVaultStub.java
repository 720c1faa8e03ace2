package dev.pipeseal.kms.azure;

import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.testing.HttpStub;
import dev.pipeseal.kms.testing.HttpStub.Reply;
import dev.pipeseal.kms.testing.HttpStub.Request;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * Plays Azure Key Vault / Managed HSM keys REST API 7.4 ({@code get}, {@code wrapkey}, {@code
 * unwrapkey}, {@code create}, {@code rotate}, {@code list} with {@code nextLink}), the Microsoft
 * Entra ID v2.0 token endpoint (client secret and client assertion) and the IMDS token endpoint, by
 * their documented shapes: key bundles with a versioned {@code kid}, base64url values, {@code
 * {"error": {"code", "message", "innererror"}}} bodies, {@code Retry-After} on 429. RSA-OAEP-256
 * and A256KW are real (JDK) so wrapped keys round-trip.
 */
final class KeyVaultStub implements AutoCloseable {
  static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  static final String CLIENT_ID = "0c5e1a2b-aaaa-bbbb-cccc-123456789abc";
  static final String CLIENT_SECRET = "DISTINCTIVE-azure-client-secret~Q8x";
  static final String TOKEN_PREFIX = "eyJ0eXAiOiJKV1QiDISTINCTIVE.azure-token-";
  private static final Pattern KEY =
      Pattern.compile(
          "/keys/([0-9A-Za-z-]+)(?:/(create|rotate)|/([0-9a-f]{32})/(wrapkey|unwrapkey))?");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final List<KeyPair> RSA_POOL = new ArrayList<>();
  private static int poolNext;

  final HttpStub http;
  final boolean hsm;
  final String kidBase;
  final Map<String, List<String>> versions = new TreeMap<>();
  final Map<String, Object> material = new HashMap<>();
  final Set<String> validTokens = new HashSet<>();
  final Set<String> deniedKeys = new HashSet<>();
  final AtomicInteger issued = new AtomicInteger();
  final List<Map<String, String>> tokenForms = new ArrayList<>();
  String federatedToken = "k8s-projected-token-1";
  long tokenLifetimeSeconds = 3599;

  KeyVaultStub(boolean hsm) throws IOException {
    this.hsm = hsm;
    this.kidBase = hsm ? "https://hsm1.managedhsm.azure.net" : "https://lake.vault.azure.net";
    http = HttpStub.start(this::handle);
  }

  synchronized String createKey(String name) throws GeneralSecurityException {
    String version = HexFormat.of().formatHex(randomBytes(16));
    versions.computeIfAbsent(name, n -> new ArrayList<>()).add(version);
    material.put(name + "/" + version, hsm ? new SecretKeySpec(randomBytes(32), "AES") : rsa());
    return version;
  }

  synchronized String current(String name) {
    List<String> v = versions.get(name);
    return v.get(v.size() - 1);
  }

  private synchronized Reply handle(Request r) throws Exception {
    if (r.path().equals("/" + TENANT + "/oauth2/v2.0/token")) {
      return entraToken(r);
    }
    if (r.path().equals("/metadata/identity/oauth2/token")) {
      if (!"true".equals(r.header("Metadata"))
          || !r.query().contains("api-version=2018-02-01")
          || !r.query().contains("resource=https%3A%2F%2Fvault.azure.net")) {
        return Reply.json(
            400,
            "{\"error\":\"invalid_request\",\"error_description\":\"Required metadata header not specified\"}");
      }
      String token = issue();
      return Reply.json(
          200,
          "{\"access_token\":\""
              + token
              + "\",\"client_id\":\""
              + CLIENT_ID
              + "\",\"expires_in\":\""
              + tokenLifetimeSeconds
              + "\",\"expires_on\":\"1767229199\","
              + "\"ext_expires_in\":\"86399\",\"not_before\":\"1767142499\","
              + "\"resource\":\"https://vault.azure.net\",\"token_type\":\"Bearer\"}");
    }
    String auth = r.header("Authorization");
    if (auth == null || !auth.startsWith("Bearer ") || !validTokens.contains(auth.substring(7))) {
      return new Reply(
          401,
          "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: Request is missing a Bearer or PoP token.\"}}",
          Map.of(
              "Content-Type",
              "application/json",
              "WWW-Authenticate",
              "Bearer authorization=\"https://login.microsoftonline.com/"
                  + TENANT
                  + "\", resource=\"https://vault.azure.net\""));
    }
    if (r.query() == null || !r.query().contains("api-version=7.4")) {
      return error(400, "BadParameter", "The specified version is not recognized.", null);
    }
    if (r.path().equals("/keys")) {
      return list(r);
    }
    Matcher m = KEY.matcher(r.path());
    if (!m.matches()) {
      return error(404, "NotFound", "Resource not found", null);
    }
    String name = m.group(1);
    if (deniedKeys.contains(name)) {
      return error(
          403,
          "Forbidden",
          "The user, group or application 'appid="
              + CLIENT_ID
              + "' does not have keys wrapKey permission on key vault 'lake;location=westeurope'.",
          "ForbiddenByPolicy");
    }
    if ("create".equals(m.group(2))) {
      createKey(name);
      return Reply.json(200, bundle(name));
    }
    if (!versions.containsKey(name)) {
      return error(
          404,
          "KeyNotFound",
          "A key with (name/id) " + name + " was not found in this key vault.",
          null);
    }
    if ("rotate".equals(m.group(2))) {
      createKey(name);
      return Reply.json(200, bundle(name));
    }
    if (m.group(3) == null) {
      return r.method().equals("GET")
          ? Reply.json(200, bundle(name))
          : error(405, "MethodNotAllowed", "method not allowed", null);
    }
    String version = m.group(3);
    Object key = material.get(name + "/" + version);
    if (key == null) {
      return error(
          404,
          "KeyNotFound",
          "A key with (name/id) " + name + "/" + version + " was not found in this key vault.",
          null);
    }
    Map<String, Object> body = FlatJson.parse(r.body());
    String alg = (String) body.get("alg");
    if (!(hsm ? "A256KW" : "RSA-OAEP-256").equals(alg)) {
      return error(400, "BadParameter", "Invalid algorithm for this key type.", null);
    }
    byte[] value = Base64.getUrlDecoder().decode((String) body.get("value"));
    byte[] out;
    if (m.group(4).equals("wrapkey")) {
      out = cipher(Cipher.WRAP_MODE, key).wrap(new SecretKeySpec(value, "AES"));
    } else {
      try {
        out = cipher(Cipher.UNWRAP_MODE, key).unwrap(value, "AES", Cipher.SECRET_KEY).getEncoded();
      } catch (GeneralSecurityException e) {
        return error(400, "BadParameter", "The parameter is incorrect.", null);
      }
    }
    return Reply.json(
        200,
        "{\"kid\":\""
            + kidBase
            + "/keys/"
            + name
            + "/"
            + version
            + "\",\"value\":\""
            + Base64.getUrlEncoder().withoutPadding().encodeToString(out)
            + "\"}");
  }

  // One key per page, so nextLink is exercised.
  private Reply list(Request r) {
    List<String> names = new ArrayList<>(versions.keySet());
    Matcher skip = Pattern.compile("skiptoken=(\\d+)").matcher(r.query());
    int at = skip.find() ? Integer.parseInt(skip.group(1)) : 0;
    if (at >= names.size()) {
      return Reply.json(200, "{\"value\":[],\"nextLink\":null}");
    }
    String next =
        at + 1 < names.size()
            ? "\"" + http.uri() + "/keys?api-version=7.4&$skiptoken=" + (at + 1) + "\""
            : "null";
    return Reply.json(
        200,
        "{\"value\":[{\"kid\":\""
            + kidBase
            + "/keys/"
            + names.get(at)
            + "\",\"attributes\":{\"enabled\":true}}],\"nextLink\":"
            + next
            + "}");
  }

  private Reply entraToken(Request r) {
    Map<String, String> form = new HashMap<>();
    for (String pair : r.body().split("&")) {
      int eq = pair.indexOf('=');
      form.put(
          pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    tokenForms.add(form);
    String scope =
        hsm ? "https://managedhsm.azure.net/.default" : "https://vault.azure.net/.default";
    boolean secretOk = CLIENT_SECRET.equals(form.get("client_secret"));
    boolean assertionOk =
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                .equals(form.get("client_assertion_type"))
            && federatedToken.equals(form.get("client_assertion"));
    if (!"client_credentials".equals(form.get("grant_type"))
        || !CLIENT_ID.equals(form.get("client_id"))
        || !scope.equals(form.get("scope"))
        || !(secretOk || assertionOk)) {
      return Reply.json(
          401,
          "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret"
              + " provided. Ensure the secret being sent in the request is the client secret value.\\r\\n"
              + "Trace ID: 0000\\r\\nCorrelation ID: 1111\",\"error_codes\":[7000215],"
              + "\"timestamp\":\"2026-01-01 00:00:00Z\",\"trace_id\":\"0000\",\"correlation_id\":\"1111\"}");
    }
    return Reply.json(
        200,
        "{\"token_type\":\"Bearer\",\"expires_in\":"
            + tokenLifetimeSeconds
            + ",\"ext_expires_in\":"
            + tokenLifetimeSeconds
            + ",\"access_token\":\""
            + issue()
            + "\"}");
  }

  private String issue() {
    String token = TOKEN_PREFIX + issued.incrementAndGet();
    validTokens.add(token);
    return token;
  }

  private String bundle(String name) {
    String version = current(name);
    String key;
    if (hsm) {
      key = "\"kty\":\"oct-HSM\",\"key_ops\":[\"wrapKey\",\"unwrapKey\",\"encrypt\",\"decrypt\"]";
    } else {
      RSAPublicKey pub = (RSAPublicKey) ((KeyPair) material.get(name + "/" + version)).getPublic();
      key =
          "\"kty\":\"RSA\",\"key_ops\":[\"wrapKey\",\"unwrapKey\"],\"n\":\""
              + b64url(pub.getModulus())
              + "\",\"e\":\""
              + b64url(pub.getPublicExponent())
              + "\"";
    }
    return "{\"key\":{\"kid\":\""
        + kidBase
        + "/keys/"
        + name
        + "/"
        + version
        + "\","
        + key
        + "},\"attributes\":{\"enabled\":true,\"created\":1767225600,\"updated\":1767225600,"
        + "\"recoveryLevel\":\"Recoverable+Purgeable\",\"recoverableDays\":90}}";
  }

  private static Cipher cipher(int mode, Object key) throws GeneralSecurityException {
    if (key instanceof SecretKeySpec aes) {
      Cipher c = Cipher.getInstance("AESWrap");
      c.init(mode, aes);
      return c;
    }
    KeyPair pair = (KeyPair) key;
    Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
    Key k = mode == Cipher.WRAP_MODE ? pair.getPublic() : pair.getPrivate();
    c.init(
        mode,
        k,
        new OAEPParameterSpec(
            "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
    return c;
  }

  // RSA key generation is slow on a busy machine: a small pool, reused round-robin.
  private static synchronized KeyPair rsa() throws GeneralSecurityException {
    if (RSA_POOL.size() < 4) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      RSA_POOL.add(g.generateKeyPair());
      return RSA_POOL.get(RSA_POOL.size() - 1);
    }
    return RSA_POOL.get(poolNext++ % RSA_POOL.size());
  }

  private static String b64url(BigInteger n) {
    byte[] b = n.toByteArray();
    if (b.length > 1 && b[0] == 0) {
      b = java.util.Arrays.copyOfRange(b, 1, b.length);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  static Reply error(int status, String code, String message, String inner) {
    return Reply.json(
        status,
        "{\"error\":{\"code\":\""
            + code
            + "\",\"message\":\""
            + message
            + "\""
            + (inner == null ? "" : ",\"innererror\":{\"code\":\"" + inner + "\"}")
            + "}}");
  }

  @Override
  public void close() {
    http.close();
  }
}
