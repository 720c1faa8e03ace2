package dev.pipeseal.parquet.kms;

import static dev.pipeseal.fuzz.Property.parsesOrThrows;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pipeseal.fuzz.Property;
import dev.pipeseal.fuzz.Seeds;
import dev.pipeseal.jobs.lake.CorruptFileException;
import dev.pipeseal.jobs.lake.KeyMaterial;
import dev.pipeseal.kms.WrappedKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Parquet key material: the JSON objects Parquet's key tools store in footers and in {@code
 * _KEY_MATERIAL_FOR_*.json} files (read by the inventory and rotation jobs), and our wrapped-key
 * strings inside them (read by the {@code KmsClient} on every file open).
 */
class ParquetKeyMaterialFuzzTest {
  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void wrappedKeyString(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    parsesOrThrows(
        () -> {
          WrappedKeyString w = WrappedKeyString.decode(text, "pii");
          assertThat(WrappedKeyString.decode(w.encode(), "pii").wrapped()).isEqualTo(w.wrapped());
        },
        ParquetKeyException.class);
  }

  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void keyMaterial(byte[] data) {
    String json = new String(data, StandardCharsets.UTF_8);
    parsesOrThrows(
        () -> {
          Map<String, Object> m = KeyMaterial.parseObject(json, "fuzz");
          KeyMaterial.isExternal(m);
          KeyMaterial.describe("fuzz", m, "internal");
        },
        CorruptFileException.class);
  }

  @Test
  @EnabledIfSystemProperty(named = Seeds.PROPERTY, matches = ".+")
  void writeSeeds() {
    byte[] ct = new byte[12 + 16 + 16];
    Arrays.fill(ct, (byte) 3);
    String w =
        new WrappedKeyString(
                new WrappedKey("local", "pii", "2", "KEK/AES256-GCM", new byte[90]), ct)
            .encode();
    Seeds.of(ParquetKeyMaterialFuzzTest.class, "wrappedKeyString")
        .add("string", w)
        .add("truncated", w.substring(0, w.length() - 8))
        .add("not-base64", "%%%%")
        .add(
            "record-length-ffff",
            java.util.Base64.getEncoder().encodeToString(new byte[] {1, -1, -1, 0}));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("keyMaterialType", "PKMT1");
    m.put("internalStorage", true);
    m.put("isFooterKey", false);
    m.put("masterKeyID", "pii");
    m.put("wrappedDEK", "AAAA");
    m.put("doubleWrapping", true);
    m.put("keyEncryptionKeyID", "a2V5");
    m.put("wrappedKEK", w);
    String json = KeyMaterial.toJson(m);
    Seeds.of(ParquetKeyMaterialFuzzTest.class, "keyMaterial")
        .add("internal", json)
        .add("single-wrapped", json.replace("\"doubleWrapping\":true", "\"doubleWrapping\":false"))
        .add("external-reference", "{\"internalStorage\":false,\"keyReference\":\"k1\"}")
        .add("json-null", "null")
        .add("array", "[1,2]")
        .add("deep", Seeds.repeat("{\"a\":", "{\"a\":", 3000))
        .add("huge-number", "{\"masterKeyID\":1" + "0".repeat(2000) + "}")
        .add(
            "invalid-utf8", new byte[] {'{', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}'});
  }
}
