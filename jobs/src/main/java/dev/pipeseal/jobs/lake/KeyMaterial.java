package dev.pipeseal.jobs.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.parquet.kms.ParquetKeyException;
import dev.pipeseal.parquet.kms.WrappedKeyString;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parquet key material (the JSON Parquet's key tools store in key metadata or in {@code
 * _KEY_MATERIAL_FOR_<file>.json}): which master key, and, for our wrapped-key strings, which
 * version. Field names are Parquet's ({@code KeyMaterial}).
 */
public final class KeyMaterial {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<LinkedHashMap<String, Object>> OBJECT =
      new TypeReference<>() {};

  private KeyMaterial() {}

  /** Parses one JSON object; {@code what} names it in errors. */
  public static LinkedHashMap<String, Object> parseObject(String json, String what)
      throws CorruptFileException {
    try {
      LinkedHashMap<String, Object> m = JSON.readValue(json, OBJECT);
      if (m == null) {
        // Jackson maps the JSON literal null to a null map, which callers would dereference.
        throw new CorruptFileException(what + ": key material is JSON null, not an object");
      }
      return m;
    } catch (JsonProcessingException e) {
      throw new CorruptFileException(what + ": key material is not a JSON object");
    }
  }

  public static String toJson(Map<String, ?> map) {
    try {
      return JSON.writeValueAsString(map);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize key material", e);
    }
  }

  /** True for the reference Parquet stores in the file when key material is external. */
  public static boolean isExternal(Map<String, Object> material) {
    return Boolean.FALSE.equals(material.get("internalStorage"));
  }

  /** The member holding the KMS-wrapped key: the KEK under double wrapping, else the DEK. */
  public static String wrappedMember(Map<String, Object> material) {
    return Boolean.FALSE.equals(material.get("doubleWrapping")) ? "wrappedDEK" : "wrappedKEK";
  }

  /** Describes one key material object (internal or one entry of an external file). */
  public static KeyUse describe(String reference, Map<String, Object> material, String storage) {
    String masterKey = String.valueOf(material.get("masterKeyID"));
    Object wrapped = material.get(wrappedMember(material));
    if (!(wrapped instanceof String text)) {
      return new KeyUse(reference, masterKey, null, null, storage);
    }
    try {
      WrappedKey w = WrappedKeyString.decode(text, masterKey).wrapped();
      return new KeyUse(reference, masterKey, w.provider(), w.masterKeyVersion(), storage);
    } catch (ParquetKeyException e) {
      return new KeyUse(reference, masterKey, null, null, storage); // another KmsClient's key
    }
  }
}
