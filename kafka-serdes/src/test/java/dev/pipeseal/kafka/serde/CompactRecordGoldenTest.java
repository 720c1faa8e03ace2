package dev.pipeseal.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeDecryptor;
import dev.pipeseal.crypto.envelope.EnvelopeHeader;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.key.DataKey;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Golden vector of a compact Kafka record value ({@code pipeseal.key-references=registry}): an
 * envelope v1, XAES-256-GCM, key reference kind 0x02 with an 8-byte registry id, bound to the topic
 * {@code orders} (the whole-value AAD convention of {@link RecordContexts}).
 *
 * <p>THIS VECTOR MUST NEVER CHANGE: records written this way must stay readable forever.
 */
class CompactRecordGoldenTest {
  private static final HexFormat HEX = HexFormat.of();

  // DEK 0x40..0x5f, registry id 11 22 .. 88, plaintext "pipeseal kafka compact record v1".
  private static final String VALUE =
      "010102081122334455667788f1e49e2cea91d557202270e7cab972d28a68370d00000000a73fbadee29b4dd4"
          + "34d15df6bb09557251498651290b23160fe5d548c6ee662316ef6db788e848090f355aa9de2e3869";

  private static DataKey dek() {
    byte[] k = new byte[32];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (0x40 + i);
    }
    return DataKey.copyOf(k);
  }

  @Test
  void theCompactRecordOfTopicOrdersDecryptsAndItsHeaderIsTwelveBytes() {
    byte[] value = HEX.parseHex(VALUE);
    EnvelopeHeader header = Envelope.parseHeader(value, 0, value.length);
    assertThat(header.length()).isEqualTo(12);
    assertThat(header.keyReference())
        .isEqualTo(KeyReference.registryKeyId(HEX.parseHex("1122334455667788")));
    // 12 header + 24 nonce + 16 tag.
    assertThat(value.length - Envelope.plaintextLength(value, 0, value.length)).isEqualTo(52);
    try (DataKey key = dek();
        EnvelopeDecryptor d = EnvelopeDecryptor.create(key)) {
      byte[] plain = d.decrypt(value, EnvelopeContext.of(RecordContexts.name("orders", false)));
      assertThat(new String(plain, StandardCharsets.US_ASCII))
          .isEqualTo("pipeseal kafka compact record v1");
      // Bound to the topic: another topic's context fails.
      assertThatThrownBy(
              () -> d.decrypt(value, EnvelopeContext.of(RecordContexts.name("refunds", false))))
          .isInstanceOf(AuthenticationFailedException.class);
    }
  }
}
