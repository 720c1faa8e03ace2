package dev.pipeseal.crypto.aead;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Reads Wycheproof JSON vectors copied into the test resources (Apache-2.0, see LICENSE). */
final class Wycheproof {
  private Wycheproof() {}

  /** One test case with its group's parameters. */
  record Case(
      int tcId,
      int keySize,
      int ivSize,
      int tagSize,
      byte[] key,
      byte[] iv,
      byte[] aad,
      byte[] msg,
      byte[] ct,
      byte[] tag,
      String result,
      String comment) {
    boolean valid() {
      return result.equals("valid");
    }
  }

  static JsonNode load(String file) {
    try (InputStream in = Wycheproof.class.getResourceAsStream("/wycheproof/" + file)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource wycheproof/" + file);
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Case> cases(String file) {
    JsonNode root = load(file);
    List<Case> out = new ArrayList<>();
    for (JsonNode group : root.get("testGroups")) {
      for (JsonNode t : group.get("tests")) {
        out.add(
            new Case(
                t.get("tcId").asInt(),
                group.path("keySize").asInt(),
                group.path("ivSize").asInt(),
                group.path("tagSize").asInt(),
                hex(t, "key"),
                hex(t, "iv"),
                hex(t, "aad"),
                hex(t, "msg"),
                hex(t, "ct"),
                hex(t, "tag"),
                t.get("result").asText(),
                t.path("comment").asText()));
      }
    }
    if (out.size() != root.get("numberOfTests").asInt()) {
      throw new IllegalStateException(file + ": numberOfTests does not match the cases read");
    }
    return out;
  }

  private static byte[] hex(JsonNode t, String field) {
    JsonNode n = t.get(field);
    return n == null ? null : HexFormat.of().parseHex(n.asText());
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
