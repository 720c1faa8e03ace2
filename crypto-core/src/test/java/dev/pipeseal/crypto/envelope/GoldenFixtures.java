package dev.pipeseal.crypto.envelope;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.key.DataKey;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Fixed inputs of the golden vectors. Never change them: the stored vectors depend on them. */
final class GoldenFixtures {
  private GoldenFixtures() {}

  static final EnvelopeContext CONTEXT = EnvelopeContext.of("db.table.column");
  static final byte[] PLAINTEXT = "pipeseal golden v1".getBytes(StandardCharsets.US_ASCII);
  static final KeyReference REGISTRY_REF =
      KeyReference.registryKeyId(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
  static final KeyReference INLINE_REF = KeyReference.inlineWrappedKey(sequence(0xa0, 40));
  static final KeyReference SUBJECT_REF =
      KeyReference.of(KeyReferenceKind.SUBJECT_KEY_ID, sequence(0xd0, 24));

  static DataKey dataKey() {
    return DataKey.copyOf(sequence(0x00, 32));
  }

  /** Plaintext of the multi-segment vectors: 2 full 16 KiB segments and 1 byte. */
  static byte[] largePlaintext() {
    byte[] b = new byte[2 * 16384 + 1];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i * 7 % 251);
    }
    return b;
  }

  static byte[] sequence(int start, int len) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (start + i);
    }
    return b;
  }

  /** "Random" bytes start, start+1, ... so every vector is reproducible. */
  static RandomSource counting(int start) {
    return new RandomSource() {
      private int next = start;

      @Override
      public void nextBytes(byte[] bytes, int off, int len) {
        for (int i = 0; i < len; i++) {
          bytes[off + i] = (byte) next++;
        }
      }
    };
  }

  static byte[] encrypt(Algorithm alg, KeyReference ref, int seed, byte[] plaintext) {
    return encrypt(alg, ref, seed, plaintext, EncryptorOptions.DEFAULTS);
  }

  static byte[] encrypt(
      Algorithm alg, KeyReference ref, int seed, byte[] plaintext, EncryptorOptions options) {
    try (DataKey key = dataKey();
        EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, alg, ref, options, counting(seed))) {
      return enc.encrypt(plaintext, CONTEXT);
    }
  }

  /**
   * Asserts that the stored vector {@code hex} parses as stated and decrypts to {@link #PLAINTEXT}.
   */
  static void assertOpensStored(String hex, int version, Algorithm alg, KeyReference ref) {
    byte[] envelope = HexFormat.of().parseHex(hex);
    EnvelopeHeader header = Envelope.parseHeader(envelope);
    assertThat(header.version()).isEqualTo(version);
    assertThat(header.algorithm()).isEqualTo(alg);
    assertThat(header.keyReference()).isEqualTo(ref);
    try (DataKey key = dataKey();
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      assertThat(dec.decrypt(envelope, CONTEXT)).isEqualTo(PLAINTEXT);
    }
  }
}
