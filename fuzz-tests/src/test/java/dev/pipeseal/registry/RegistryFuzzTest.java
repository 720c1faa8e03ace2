package dev.pipeseal.registry;

import static dev.pipeseal.fuzz.Property.parsesOrThrows;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pipeseal.fuzz.Property;
import dev.pipeseal.fuzz.Seeds;
import dev.pipeseal.kms.registry.CorruptRecordException;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.RegistryRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Key registry records ({@code keys/<shard>/<id>/<generation>.json}) and the names and contents of
 * the layout's files: generation file names, id directory names, alias names and alias contents. A
 * directory listing of a shared store is outside input too, so name parsers must never throw.
 */
class RegistryFuzzTest {
  private static final KeyId ID = KeyId.parse("de4d0bf5b6d14233");

  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void record(byte[] data) {
    parsesOrThrows(
        () -> {
          RegistryRecord r = RecordCodec.decode("fuzz", ID, 1, data);
          assertThat(RecordCodec.decode("fuzz", ID, 1, RecordCodec.encode(r))).isEqualTo(r);
        },
        CorruptRecordException.class);
  }

  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void layoutNames(byte[] data) {
    String name = new String(data, StandardCharsets.UTF_8);
    parsesOrThrows(
        () -> {
          OptionalLong g = RegistryLayout.parseGeneration(name);
          if (g.isPresent()) {
            assertThat(RegistryLayout.generationFile(g.getAsLong())).isEqualTo(name);
          }
          KeyId id = RegistryLayout.parseId(name);
          if (id != null) {
            assertThat(id.hex()).isEqualTo(name);
          }
        });
    // Alias names come from users and from listings; their documented refusal is IAE.
    parsesOrThrows(
        () ->
            assertThat(RegistryLayout.aliasFile(name))
                .doesNotContain("/../")
                .startsWith("aliases/"),
        IllegalArgumentException.class);
    // Alias file contents are read as ASCII and trimmed, as FileKeyRegistry does.
    String content = new String(data, StandardCharsets.US_ASCII).trim();
    parsesOrThrows(() -> KeyId.parse(content), IllegalArgumentException.class);
  }

  @Test
  @EnabledIfSystemProperty(named = Seeds.PROPERTY, matches = ".+")
  void writeSeeds() throws IOException {
    byte[] golden;
    try (InputStream in =
        RegistryFuzzTest.class.getResourceAsStream("/seed-sources/registry-record-golden.json")) {
      golden = in.readAllBytes();
    }
    String g = new String(golden, StandardCharsets.UTF_8);
    Seeds.of(RegistryFuzzTest.class, "record")
        .add("golden", golden)
        .add("truncated", g.substring(0, g.length() / 2))
        .add("bad-instant", g.replace("2026-11-21T07", "2026-13-21T99"))
        .add("huge-generation", g.replace("\"generation\":1", "\"generation\":1e400"))
        .add("wrong-id", g.replace("de4d0bf5b6d14233", "de4d0bf5b6d1423g"))
        .add("invalid-utf8", new byte[] {'{', '"', 'r', 'v', '"', ':', (byte) 0xff, '}'});
    Seeds.of(RegistryFuzzTest.class, "layoutNames")
        .add("generation", "12.json")
        .add("generation-overflow", "99999999999999999999.json")
        .add("generation-leading-zero", "01.json")
        .add("id", "de4d0bf5b6d14233")
        .add("id-fullwidth-digits", "\uff10\uff11de4d0bf5b6d142")
        .add("id-arabic-digits", "\u0661\u0662de4d0bf5b6d142")
        .add("alias", "team/pii.v2")
        .add("alias-dotdot", "team/../x")
        .add("alias-empty-segment", "a//b");
  }
}
