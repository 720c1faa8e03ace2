package dev.pipeseal.registry;

import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.registry.CorruptRecordException;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Record file v1: one flat JSON object, {@code rv}, {@code id}, {@code generation}, {@code
 * created}, {@code written}, then the members of a wrapped-key JSON record v1 ({@link
 * WrappedKeyCodec}), and a trailing newline.
 */
final class RecordCodec {
  static final int RECORD_VERSION = 1;

  private static final List<String> WRAPPED_MEMBERS =
      List.of("v", "provider", "masterKey", "masterKeyVersion", "algorithm", "wrapped");

  private RecordCodec() {}

  static byte[] encode(RegistryRecord r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rv", RECORD_VERSION);
    m.put("id", r.id().hex());
    m.put("generation", r.generation());
    m.put("created", r.created().toString());
    m.put("written", r.written().toString());
    m.putAll(FlatJson.parse(WrappedKeyCodec.toJson(r.wrapped())));
    return (FlatJson.write(m) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses a record and checks it is the one its file name says.
   *
   * @throws CorruptRecordException on any problem
   */
  static RegistryRecord decode(String location, KeyId id, long generation, byte[] content) {
    try {
      Map<String, Object> m = FlatJson.parse(new String(content, StandardCharsets.UTF_8));
      if (!(m.get("rv") instanceof Long rv) || rv != RECORD_VERSION) {
        throw corrupt(location, id, generation, "unknown record version " + m.get("rv"), null);
      }
      if (!id.hex().equals(m.get("id"))) {
        throw corrupt(location, id, generation, "record names id " + m.get("id"), null);
      }
      if (!(m.get("generation") instanceof Long g) || g != generation) {
        throw corrupt(
            location, id, generation, "record names generation " + m.get("generation"), null);
      }
      Map<String, Object> wrapped = new LinkedHashMap<>();
      for (String member : WRAPPED_MEMBERS) {
        wrapped.put(member, m.get(member));
      }
      return new RegistryRecord(
          id,
          generation,
          Instant.parse(string(m, "created", location, id, generation)),
          Instant.parse(string(m, "written", location, id, generation)),
          WrappedKeyCodec.fromJson(FlatJson.write(wrapped)));
    } catch (IllegalArgumentException | DateTimeParseException | InvalidWrappedKeyException e) {
      throw corrupt(location, id, generation, e.getMessage(), e);
    }
  }

  private static String string(
      Map<String, Object> m, String member, String location, KeyId id, long generation) {
    if (!(m.get(member) instanceof String s)) {
      throw corrupt(location, id, generation, "missing string member '" + member + "'", null);
    }
    return s;
  }

  private static CorruptRecordException corrupt(
      String location, KeyId id, long generation, String message, Throwable cause) {
    return new CorruptRecordException(location, id, generation, message, cause);
  }
}
