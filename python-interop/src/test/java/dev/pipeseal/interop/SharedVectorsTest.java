package dev.pipeseal.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeDecryptor;
import dev.pipeseal.crypto.envelope.EnvelopeEncryptor;
import dev.pipeseal.crypto.envelope.EnvelopeHeader;
import dev.pipeseal.crypto.key.DataKey;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The envelope vectors shared with the Python tests ({@code
 * python/tests/vectors/envelope-v1.json}): every variant and value type decrypts here to the same
 * plaintext, deterministic vectors re-encrypt to the same bytes, and every invalid vector fails
 * with the named exception.
 */
class SharedVectorsTest {
  private static final HexFormat HEX = HexFormat.of();

  private static JsonNode vectors() throws Exception {
    return new ObjectMapper().readTree(Path.of(System.getProperty("pipeseal.vectors")).toFile());
  }

  @Test
  void everyVectorDecryptsToItsPlaintext() throws Exception {
    JsonNode doc = vectors();
    byte[] dek = HEX.parseHex(doc.get("dek").asText());
    int count = 0;
    int deterministic = 0;
    try (DataKey key = DataKey.copyOf(dek);
        EnvelopeDecryptor decryptor = EnvelopeDecryptor.create(key)) {
      for (JsonNode v : doc.get("vectors")) {
        byte[] envelope = HEX.parseHex(v.get("envelope").asText());
        EnvelopeContext context = EnvelopeContext.of(v.get("context").asText());
        assertThat(HEX.formatHex(decryptor.decrypt(envelope, context)))
            .as(v.get("name").asText())
            .isEqualTo(v.get("plaintext").asText());
        count++;
        EnvelopeHeader header = Envelope.parseHeader(envelope);
        if (header.algorithm() == Algorithm.AES_SIV) {
          try (DataKey k2 = DataKey.copyOf(dek);
              EnvelopeEncryptor enc =
                  EnvelopeEncryptor.create(k2, Algorithm.AES_SIV, header.keyReference())) {
            assertThat(
                    HEX.formatHex(enc.encrypt(HEX.parseHex(v.get("plaintext").asText()), context)))
                .as(v.get("name").asText())
                .isEqualTo(v.get("envelope").asText());
          }
          deterministic++;
        }
      }
    }
    assertThat(count).isGreaterThan(40);
    assertThat(deterministic).isGreaterThan(20);
  }

  @Test
  void everyInvalidVectorFailsWithItsTypedException() throws Exception {
    JsonNode doc = vectors();
    try (DataKey key = DataKey.copyOf(HEX.parseHex(doc.get("dek").asText()));
        EnvelopeDecryptor decryptor = EnvelopeDecryptor.create(key)) {
      for (JsonNode v : doc.get("invalid")) {
        byte[] envelope = HEX.parseHex(v.get("envelope").asText());
        EnvelopeContext context = EnvelopeContext.of(v.get("context").asText());
        assertThatThrownBy(() -> decryptor.decrypt(envelope, context))
            .as(v.get("name").asText())
            .satisfies(
                e -> assertThat(e.getClass().getSimpleName()).isEqualTo(v.get("error").asText()));
      }
    }
  }
}
