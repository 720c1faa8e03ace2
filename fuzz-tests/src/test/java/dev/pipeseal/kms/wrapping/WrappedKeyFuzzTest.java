package dev.pipeseal.kms.wrapping;

import static dev.pipeseal.fuzz.Property.parsesOrThrows;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pipeseal.fuzz.Property;
import dev.pipeseal.fuzz.Seeds;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.json.FlatJson;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Wrapped-key records v1 (binary and JSON) and the flat JSON reader under the JSON form, the
 * registry records and the hybrid key files. A record that parses must re-encode to an equal
 * record, so the parser cannot accept something the writer would not produce the same way.
 */
class WrappedKeyFuzzTest {
  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void binary(byte[] data) {
    parsesOrThrows(
        () -> {
          WrappedKey k = WrappedKeyCodec.fromBinary(data);
          assertThat(WrappedKeyCodec.fromBinary(WrappedKeyCodec.toBinary(k))).isEqualTo(k);
        },
        InvalidWrappedKeyException.class);
  }

  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void json(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    parsesOrThrows(
        () -> {
          WrappedKey k = WrappedKeyCodec.fromJson(text);
          assertThat(WrappedKeyCodec.fromJson(WrappedKeyCodec.toJson(k))).isEqualTo(k);
        },
        InvalidWrappedKeyException.class);
  }

  /** FlatJson's documented refusal is {@link IllegalArgumentException} with an offset. */
  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void flatJson(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    parsesOrThrows(
        () -> {
          Map<String, Object> m = FlatJson.parse(text);
          assertThat(FlatJson.parse(FlatJson.write(m))).isEqualTo(m);
        },
        IllegalArgumentException.class);
  }

  @Test
  @EnabledIfSystemProperty(named = Seeds.PROPERTY, matches = ".+")
  void writeSeeds() {
    WrappedKey key =
        new WrappedKey("local", "pii", "3", "AES256-GCM", "0123456789abcdef".getBytes());
    byte[] bin = WrappedKeyCodec.toBinary(key);
    Seeds.of(WrappedKeyFuzzTest.class, "binary")
        .add("record", bin)
        .add("truncated", java.util.Arrays.copyOf(bin, bin.length - 3))
        .add("trailing", Seeds.concat(bin, new byte[] {0}))
        .add("lengths-ffff", Seeds.concat(new byte[] {1, (byte) 0xff}, Seeds.be(0xffffffffL, 4)))
        .add("version-2", new byte[] {2, 0, 0, 0, 0, 0, 0, 0, 0});
    String json = WrappedKeyCodec.toJson(key);
    Seeds.of(WrappedKeyFuzzTest.class, "json")
        .add("record", json)
        .add("truncated", json.substring(0, json.length() / 2))
        .add("bad-base64", json.replace("\"wrapped\":\"", "\"wrapped\":\"!"))
        .add("huge-version", json.replace("\"v\":1", "\"v\":99999999999999999999"))
        .add("nested", Seeds.repeat("{\"v\":", "{\"a\":", 5000))
        .add("invalid-utf8", new byte[] {'{', '"', (byte) 0xc3, (byte) 0x28, '"', ':', '1', '}'});
    Seeds.of(WrappedKeyFuzzTest.class, "flatJson")
        .add("record", json)
        .add("escapes", "{\"a\":\"\\u00e9\\n\\\"\\\\\",\"b\":-1.5e3,\"c\":null,\"d\":true}")
        .add("bad-escape", "{\"a\":\"\\u12\"}")
        .add("deep", Seeds.repeat("", "[", 100_000))
        .add("number-run", "{\"a\":" + "9".repeat(10_000) + "}");
  }
}
