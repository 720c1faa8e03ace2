package dev.pipeseal.kms.wrapping;

import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.json.FlatJson;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encodes wrapped keys. Binary record v1 (big-endian):
 *
 * <pre>
 * u8  record version = 0x01
 * u8  len, provider id (UTF-8)
 * u16 len, master key name (UTF-8)
 * u16 len, master key version (UTF-8)
 * u8  len, algorithm id (UTF-8)
 * u16 len, wrapped bytes
 * </pre>
 *
 * JSON record v1: {@code {"v":1,"provider":..,"masterKey":..,"masterKeyVersion":..,
 * "algorithm":..,"wrapped":"<base64>"}}. Every released version stays readable.
 */
public final class WrappedKeyCodec {
  public static final int BINARY_VERSION = 1;
  public static final int JSON_VERSION = 1;

  private static final String UNKNOWN_PROVIDER = "unknown";

  private WrappedKeyCodec() {}

  public static byte[] toBinary(WrappedKey key) {
    byte[] provider = utf8(key.provider());
    byte[] name = utf8(key.masterKeyName());
    byte[] version = utf8(key.masterKeyVersion());
    byte[] algorithm = utf8(key.algorithm());
    byte[] bytes = key.bytes();
    checkLength("provider", provider.length, 0xFF);
    checkLength("master key name", name.length, 0xFFFF);
    checkLength("master key version", version.length, 0xFFFF);
    checkLength("algorithm", algorithm.length, 0xFF);
    checkLength("wrapped bytes", bytes.length, 0xFFFF);
    ByteBuffer out =
        ByteBuffer.allocate(
            1
                + 1
                + provider.length
                + 2
                + name.length
                + 2
                + version.length
                + 1
                + algorithm.length
                + 2
                + bytes.length);
    out.put((byte) BINARY_VERSION);
    out.put((byte) provider.length).put(provider);
    out.putShort((short) name.length).put(name);
    out.putShort((short) version.length).put(version);
    out.put((byte) algorithm.length).put(algorithm);
    out.putShort((short) bytes.length).put(bytes);
    return out.array();
  }

  /**
   * Parses a binary record.
   *
   * @throws InvalidWrappedKeyException if truncated, padded, or of an unknown version
   */
  public static WrappedKey fromBinary(byte[] record) {
    return fromBinary(record, 0, record.length);
  }

  /** As {@link #fromBinary(byte[])} over {@code record[offset, offset+length)}. */
  public static WrappedKey fromBinary(byte[] record, int offset, int length) {
    ByteBuffer in = ByteBuffer.wrap(record, offset, length);
    try {
      int version = in.get() & 0xFF;
      if (version != BINARY_VERSION) {
        throw invalid(null, "unknown wrapped-key record version " + version);
      }
      String provider = string(in, in.get() & 0xFF);
      String name = string(in, in.getShort() & 0xFFFF);
      String keyVersion = string(in, in.getShort() & 0xFFFF);
      String algorithm = string(in, in.get() & 0xFF);
      byte[] bytes = new byte[in.getShort() & 0xFFFF];
      in.get(bytes);
      if (in.hasRemaining()) {
        throw invalid(name, "wrapped-key record has " + in.remaining() + " trailing bytes");
      }
      return new WrappedKey(provider, name, keyVersion, algorithm, bytes);
    } catch (java.nio.BufferUnderflowException e) {
      throw invalid(null, "wrapped-key record is truncated (" + length + " bytes)");
    }
  }

  public static String toJson(WrappedKey key) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("v", JSON_VERSION);
    m.put("provider", key.provider());
    m.put("masterKey", key.masterKeyName());
    m.put("masterKeyVersion", key.masterKeyVersion());
    m.put("algorithm", key.algorithm());
    m.put("wrapped", Base64.getEncoder().encodeToString(key.bytes()));
    return FlatJson.write(m);
  }

  /**
   * Parses a JSON record.
   *
   * @throws InvalidWrappedKeyException if malformed, incomplete, or of an unknown version
   */
  public static WrappedKey fromJson(String json) {
    Map<String, Object> m;
    try {
      m = FlatJson.parse(json);
    } catch (IllegalArgumentException e) {
      throw invalid(null, "wrapped-key JSON is malformed: " + e.getMessage());
    }
    Object v = m.get("v");
    if (!(v instanceof Long l) || l != JSON_VERSION) {
      throw invalid(null, "unknown wrapped-key JSON version " + v);
    }
    String name = member(m, "masterKey", null);
    try {
      return new WrappedKey(
          member(m, "provider", name),
          name,
          member(m, "masterKeyVersion", name),
          member(m, "algorithm", name),
          Base64.getDecoder().decode(member(m, "wrapped", name)));
    } catch (IllegalArgumentException e) {
      throw invalid(name, "wrapped-key JSON has invalid base64 in 'wrapped'");
    }
  }

  private static String member(Map<String, Object> m, String name, String keyName) {
    if (!(m.get(name) instanceof String s)) {
      throw invalid(keyName, "wrapped-key JSON lacks string member '" + name + "'");
    }
    return s;
  }

  private static String string(ByteBuffer in, int length) {
    byte[] b = new byte[length];
    in.get(b);
    try {
      // Strict: a lenient decode would turn bad bytes into U+FFFD, so the parsed labels would not
      // be the stored ones and could even outgrow the record's length limits on re-encoding.
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw invalid(null, "wrapped-key record has a label that is not valid UTF-8");
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void checkLength(String what, int length, int max) {
    if (length > max) {
      throw new IllegalArgumentException(what + " is " + length + " bytes, limit " + max);
    }
  }

  private static InvalidWrappedKeyException invalid(String keyName, String message) {
    return new InvalidWrappedKeyException(UNKNOWN_PROVIDER, keyName, message);
  }
}
