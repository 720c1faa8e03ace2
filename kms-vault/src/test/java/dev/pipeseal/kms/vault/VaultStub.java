package dev.pipeseal.kms.vault;

import dev.pipeseal.kms.testing.HttpStub;
import dev.pipeseal.kms.testing.HttpStub.Reply;
import dev.pipeseal.kms.testing.HttpStub.Request;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
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
 * Plays Vault's Transit secrets engine and token, AppRole and Kubernetes auth methods (HTTP API v1)
 * by their documented request and response shapes: {@code {"data": {...}}} answers, {@code
 * {"errors": [...]}} error bodies, {@code vault:vN:} ciphertext, {@code X-Vault-Token} and {@code
 * X-Vault-Namespace} headers. Transit ciphertext here is AES-256-GCM under an in-memory key
 * version, as in Vault's {@code aes256-gcm96} keys.
 */
public final class VaultStub implements AutoCloseable {
  public static final String NAMESPACE = "team-a";
  private static final Pattern TRANSIT =
      Pattern.compile("/v1/transit/(datakey/plaintext|decrypt|rewrap|keys)/([^/?]+)(/rotate)?");
  private static final SecureRandom RANDOM = new SecureRandom();

  final HttpStub http;
  final Map<String, List<byte[]>> keys = new TreeMap<>();
  final Set<String> validTokens = new HashSet<>();
  final Set<String> deniedKeys = new HashSet<>();
  final Map<String, Integer> renewals = new HashMap<>();
  final AtomicInteger logins = new AtomicInteger();
  String roleId = "role-1";
  String secretId;
  String kubernetesJwt;
  long leaseSeconds = 60;

  public VaultStub() throws IOException {
    http = HttpStub.start(this::handle);
  }

  public String address() {
    return http.uri().toString().replace("http://", "vault+http://");
  }

  public synchronized void createKey(String name) {
    keys.computeIfAbsent(name, n -> new ArrayList<>()).add(randomKey());
  }

  /** Accepts {@code token} from now on, as a token issued by an operator. */
  public synchronized void acceptToken(String token) {
    validTokens.add(token);
  }

  synchronized void rotate(String name) {
    keys.get(name).add(randomKey());
  }

  private synchronized Reply handle(Request r) throws GeneralSecurityException {
    if (!NAMESPACE.equals(r.header("X-Vault-Namespace"))) {
      return error(404, "no handler for route (namespace missing)");
    }
    if (r.path().startsWith("/v1/auth/")) {
      return auth(r);
    }
    String token = r.header("X-Vault-Token");
    if (token == null || !validTokens.contains(token)) {
      return error(403, "permission denied");
    }
    if (r.path().equals("/v1/transit/keys") && "list=true".equals(r.query())) {
      return keys.isEmpty()
          ? error(404, null)
          : ok("{\"data\":{\"keys\":[\"" + String.join("\",\"", keys.keySet()) + "\"]}}");
    }
    Matcher m = TRANSIT.matcher(r.path());
    if (!m.matches()) {
      return error(404, "no handler for route");
    }
    String op = m.group(1);
    String name = m.group(2);
    if (deniedKeys.contains(name)) {
      return error(403, "1 error occurred:\n\t* permission denied\n\n");
    }
    List<byte[]> versions = keys.get(name);
    if (op.equals("keys")) {
      if (r.method().equals("POST") && m.group(3) != null) {
        if (versions == null) {
          return error(400, "encryption key not found");
        }
        rotate(name);
        return new Reply(204, null, Map.of());
      }
      if (r.method().equals("POST")) {
        if (!r.body().contains("\"type\":\"aes256-gcm96\"")) {
          return error(400, "unknown key type");
        }
        if (versions == null) {
          createKey(name);
        }
        return new Reply(204, null, Map.of());
      }
      if (versions == null) {
        return error(404, null);
      }
      StringBuilder ks = new StringBuilder();
      for (int i = 1; i <= versions.size(); i++) {
        ks.append(i > 1 ? "," : "").append('"').append(i).append("\":").append(1_700_000_000 + i);
      }
      return ok(
          "{\"request_id\":\"r\",\"lease_id\":\"\",\"renewable\":false,\"lease_duration\":0,"
              + "\"data\":{\"name\":\""
              + name
              + "\",\"type\":\"aes256-gcm96\",\"deletion_allowed\":false,\"derived\":false,"
              + "\"exportable\":false,\"keys\":{"
              + ks
              + "},\"latest_version\":"
              + versions.size()
              + ",\"min_available_version\":0,\"min_decryption_version\":1,"
              + "\"min_encryption_version\":0,\"supports_encryption\":true},"
              + "\"wrap_info\":null,\"warnings\":null,\"auth\":null}");
    }
    if (versions == null) {
      return error(400, "encryption key not found");
    }
    switch (op) {
      case "datakey/plaintext" -> {
        if (!r.body().contains("\"bits\":256")) {
          return error(400, "invalid bit length");
        }
        byte[] dek = new byte[32];
        RANDOM.nextBytes(dek);
        int v = versions.size();
        return ok(
            "{\"data\":{\"ciphertext\":\""
                + seal(versions, v, name, dek)
                + "\",\"key_version\":"
                + v
                + ",\"plaintext\":\""
                + Base64.getEncoder().encodeToString(dek)
                + "\"}}");
      }
      case "decrypt", "rewrap" -> {
        String ct = field(r.body(), "ciphertext");
        byte[] plain = open(versions, name, ct);
        if (plain == null) {
          return error(400, "invalid ciphertext: unable to decrypt");
        }
        if (op.equals("decrypt")) {
          return ok(
              "{\"data\":{\"plaintext\":\"" + Base64.getEncoder().encodeToString(plain) + "\"}}");
        }
        int v = versions.size();
        return ok(
            "{\"data\":{\"ciphertext\":\""
                + seal(versions, v, name, plain)
                + "\",\"key_version\":"
                + v
                + "}}");
      }
      default -> {
        return error(404, "no handler for route");
      }
    }
  }

  private Reply auth(Request r) {
    if (r.path().equals("/v1/auth/approle/login")) {
      if (secretId != null
          && r.body().contains("\"role_id\":\"" + roleId + "\"")
          && r.body().contains("\"secret_id\":\"" + secretId + "\"")) {
        return login();
      }
      return error(400, "invalid role or secret ID");
    }
    if (r.path().equals("/v1/auth/kubernetes/login")) {
      if (kubernetesJwt != null
          && r.body().contains("\"role\":\"pipeseal\"")
          && r.body().contains("\"jwt\":\"" + kubernetesJwt + "\"")) {
        return login();
      }
      return error(403, "permission denied");
    }
    if (r.path().equals("/v1/auth/token/renew-self")) {
      String token = r.header("X-Vault-Token");
      if (token == null || !validTokens.contains(token)) {
        return error(403, "permission denied");
      }
      renewals.merge(token, 1, Integer::sum);
      return authReply(token);
    }
    return error(404, "no handler for route");
  }

  private Reply login() {
    String token = "hvs.stub-" + logins.incrementAndGet();
    validTokens.add(token);
    return authReply(token);
  }

  private Reply authReply(String token) {
    return ok(
        "{\"request_id\":\"r\",\"data\":null,\"auth\":{\"client_token\":\""
            + token
            + "\",\"accessor\":\"a\",\"policies\":[\"default\",\"pipeseal\"],"
            + "\"token_policies\":[\"default\",\"pipeseal\"],\"metadata\":{},"
            + "\"lease_duration\":"
            + leaseSeconds
            + ",\"renewable\":true,\"entity_id\":\"e\",\"token_type\":\"service\","
            + "\"orphan\":true}}");
  }

  private static String seal(List<byte[]> versions, int v, String name, byte[] plain)
      throws GeneralSecurityException {
    byte[] nonce = new byte[12];
    RANDOM.nextBytes(nonce);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(versions.get(v - 1), "AES"),
        new GCMParameterSpec(128, nonce));
    c.updateAAD(name.getBytes(StandardCharsets.UTF_8));
    byte[] sealed = c.doFinal(plain);
    return "vault:v"
        + v
        + ":"
        + Base64.getEncoder()
            .encodeToString(ByteBuffer.allocate(12 + sealed.length).put(nonce).put(sealed).array());
  }

  private static byte[] open(List<byte[]> versions, String name, String ct) {
    try {
      String[] parts = ct.split(":", 3);
      int v = Integer.parseInt(parts[1].substring(1));
      byte[] raw = Base64.getDecoder().decode(parts[2]);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(versions.get(v - 1), "AES"),
          new GCMParameterSpec(128, raw, 0, 12));
      c.updateAAD(name.getBytes(StandardCharsets.UTF_8));
      return c.doFinal(raw, 12, raw.length - 12);
    } catch (RuntimeException | GeneralSecurityException e) {
      return null;
    }
  }

  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
    return m.find() ? m.group(1) : "";
  }

  private static byte[] randomKey() {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return k;
  }

  static Reply ok(String body) {
    return Reply.json(200, body);
  }

  static Reply error(int status, String message) {
    return Reply.json(
        status,
        message == null
            ? "{\"errors\":[]}"
            : "{\"errors\":[\"" + message.replace("\n", "\\n").replace("\t", "\\t") + "\"]}");
  }

  @Override
  public void close() {
    http.close();
  }
}
