package dev.pipeseal.kms.pq;

import static dev.pipeseal.fuzz.Property.parsesOrThrows;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pipeseal.fuzz.Property;
import dev.pipeseal.fuzz.Seeds;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.fake.FakeKms;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The hybrid (X-Wing) provider's outside inputs: the wrapped-key body (stanzas and MAC), recipient
 * public-key files (JSON lines) and sealed private-key files (JSON lines holding wrapped seeds).
 * Files go through the real readers, so invalid UTF-8 and line handling are covered too.
 */
class HybridFuzzTest {
  private static final Path DIR = tempDir();

  private static Path tempDir() {
    try {
      Path d = Files.createTempDirectory("pipeseal-fuzz-hybrid");
      d.toFile().deleteOnExit();
      return d;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path file(String name, byte[] data) throws IOException {
    Path f = DIR.resolve(name);
    Files.write(f, data);
    return f;
  }

  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void wrappedKey(byte[] data) {
    parsesOrThrows(
        () -> {
          HybridFormat.Parsed p = HybridFormat.parse(data);
          assertThat(p.stanzas()).hasSizeBetween(1, HybridFormat.MAX_RECIPIENTS);
          assertThat(p.mac()).hasSize(HybridFormat.MAC_BYTES);
        },
        HybridFormat.MalformedException.class);
  }

  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void recipientFile(byte[] data) throws IOException {
    Path f = file("recipients.pub", data);
    parsesOrThrows(
        () -> {
          var keys = new RecipientFile(f).keys();
          keys.values().forEach(v -> v.values().forEach(k -> assertThat(k.key()).hasSize(1216)));
        },
        KmsException.class);
  }

  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void sealedPrivateKeyFile(byte[] data) throws IOException {
    Path f = file("sealed.keys", data);
    parsesOrThrows(
        () -> {
          try (SealedRecipientStore s =
              SealedRecipientStore.open(f, new FakeKms("seal"), "seal", false)) {
            s.get("data-team", 1);
          }
        },
        KmsException.class);
  }

  @Test
  @EnabledIfSystemProperty(named = Seeds.PROPERTY, matches = ".+")
  void writeSeeds() {
    byte[] name = "data-team".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    List<byte[]> parts = new ArrayList<>();
    parts.add(new byte[] {HybridFormat.VERSION, HybridFormat.KEM_XWING, 1, (byte) name.length});
    parts.add(name);
    parts.add(Seeds.be(2, 4));
    parts.add(new byte[XWing.CIPHERTEXT_BYTES + HybridFormat.SEALED_DEK_BYTES]);
    parts.add(new byte[HybridFormat.MAC_BYTES]);
    byte[] body = Seeds.concat(parts.toArray(new byte[0][]));
    Seeds.of(HybridFuzzTest.class, "wrappedKey")
        .add("one-stanza", body)
        .add("truncated", Arrays.copyOf(body, body.length - 1))
        .add("sixteen-stanzas-claimed", new byte[] {1, 1, 16, (byte) 0xff})
        .add("version-0", new byte[] {0, 1, 1});

    byte[] pub = new byte[1216];
    Arrays.fill(pub, (byte) 7);
    String line =
        RecipientFile.line(new RecipientPublicKey("data-team", 2, pub))
            + "\n"
            + RecipientFile.line(new RecipientPublicKey("data-team", 3, pub));
    Seeds.of(HybridFuzzTest.class, "recipientFile")
        .add("two-versions", "# recipients\n\n" + line + "\n")
        .add("duplicate", line + "\n" + line + "\n")
        .add("version-overflow", line.replace("\"version\":\"2\"", "\"version\":\"99999999999\""))
        .add("short-key", line.substring(0, 120) + "\"}")
        .add("invalid-utf8", new byte[] {'{', '"', 'v', '"', ':', (byte) 0xfe, '}', '\n'});

    Map<String, Object> m = new LinkedHashMap<>();
    m.put("v", 1);
    m.put("recipient", "data-team");
    m.put("version", "1");
    m.put(
        "sealed",
        Base64.getEncoder()
            .encodeToString(
                WrappedKeyCodec.toBinary(
                    new WrappedKey("fake", "seal", "1", FakeKms.ALGORITHM, new byte[60]))));
    String sealed = FlatJson.write(m);
    Seeds.of(HybridFuzzTest.class, "sealedPrivateKeyFile")
        .add("one-line", sealed + "\n")
        .add("version-number", sealed.replace("\"version\":\"1\"", "\"version\":1"))
        .add("recipient-missing", sealed.replace("\"recipient\":\"data-team\",", ""))
        .add("empty", "")
        .add("invalid-utf8", new byte[] {(byte) 0xc0, (byte) 0xaf, '\n'});
  }
}
