package dev.pipeseal.crypto.envelope;

import static dev.pipeseal.crypto.envelope.GoldenFixtures.CONTEXT;
import static dev.pipeseal.crypto.envelope.GoldenFixtures.INLINE_REF;
import static dev.pipeseal.crypto.envelope.GoldenFixtures.PLAINTEXT;
import static dev.pipeseal.crypto.envelope.GoldenFixtures.REGISTRY_REF;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.aead.AesSiv;
import dev.pipeseal.crypto.aead.XaesGcm;
import dev.pipeseal.crypto.key.DataKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Golden vectors of envelope format v1.
 *
 * <p>THESE VECTORS MUST NEVER CHANGE. Every envelope v1 ever written must stay readable; if a code
 * change breaks one of these tests, the change is wrong, not the vector. A new layout needs a new
 * format version (or algorithm id) with vectors of its own, next to these.
 */
class GoldenVectorsTest {
  private static final HexFormat HEX = HexFormat.of();

  /** Algorithm, key reference, seed of the fixed random source, expected envelope. */
  enum Vector {
    XAES_REGISTRY(
        Algorithm.XAES_256_GCM,
        REGISTRY_REF,
        0x10,
        "010102080102030405060708101112131415161718191a1b1c1d1e1f2021222300000000f00703e46380e8ca"
            + "1326344d64ebc9407175c2b391c3b828a8f958f2477c2924d56e"),
    XAES_INLINE(
        Algorithm.XAES_256_GCM,
        INLINE_REF,
        0x20,
        "01010128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
            + "202122232425262728292a2b2c2d2e2f3031323300000000501c51f7eb6c151fcd85a48f80091a8a01ae"
            + "59671795a84f417a34f02f7f6c28d584"),
    SIV_REGISTRY(
        Algorithm.AES_SIV,
        REGISTRY_REF,
        0x30,
        "0102020801020304050607089c7a92a155aa7b81ce3a8b56bde1186c25df2dc5c7ecc8875ba3ca93476a5211"
            + "c69f"),
    SIV_INLINE(
        Algorithm.AES_SIV,
        INLINE_REF,
        0x40,
        "01020128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
            + "51c03bf3d1f8a5e8c45ced59ba3208487f2aa9c8553e328dc00e28b8008583a4e0a0"),
    SEGMENTED_REGISTRY(
        Algorithm.XAES_256_GCM_SEGMENTED,
        REGISTRY_REF,
        0x50,
        "010302080102030405060708505152535455565758595a5b0e5d5e5f606162345b3bcd9435dc6a3bf99f47"
            + "73e8b29936a2831dd47b8cc66486a0e947d6801328c9"),
    SEGMENTED_INLINE(
        Algorithm.XAES_256_GCM_SEGMENTED,
        INLINE_REF,
        0x60,
        "01030128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
            + "606162636465666768696a6b0e6d6e6f7071725cf11ba59f03d58aaa7979adb3aaa1473db85a283f1f11"
            + "3f35ef051fac38b1b72f49"),
    /** A per-subject key reference (kind 0x03): subject hash (16 bytes) || DEK id (8 bytes). */
    XAES_SUBJECT(
        Algorithm.XAES_256_GCM,
        GoldenFixtures.SUBJECT_REF,
        0x70,
        "01010318d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7707172737475767778797a7b7c7d7e7f"
            + "80818283000000000330afb9e75eaa00ef808d44ce99636a8850d23528743fc84faddd6ca4bc07618abe");

    final Algorithm algorithm;
    final KeyReference ref;
    final int seed;
    final String hex;

    Vector(Algorithm algorithm, KeyReference ref, int seed, String hex) {
      this.algorithm = algorithm;
      this.ref = ref;
      this.seed = seed;
      this.hex = hex;
    }
  }

  @ParameterizedTest
  @EnumSource(Vector.class)
  void encryptsToTheStoredBytes(Vector v) {
    assertThat(HEX.formatHex(GoldenFixtures.encrypt(v.algorithm, v.ref, v.seed, PLAINTEXT)))
        .isEqualTo(v.hex);
  }

  @ParameterizedTest
  @EnumSource(Vector.class)
  void decryptsTheStoredBytes(Vector v) {
    GoldenFixtures.assertOpensStored(v.hex, 1, v.algorithm, v.ref);
  }

  /**
   * Multi-segment vectors (2 full 16 KiB segments and 1 byte; the same plaintext in 4 KiB segments)
   * are stored as resources.
   */
  @ParameterizedTest
  @CsvSource({"segmented-v1.hex, 16384, 112", "segmented-4k-v1.hex, 4096, 128"})
  void multiSegmentVectors(String file, int segmentBytes, int seed) throws IOException {
    byte[] stored;
    try (InputStream in = getClass().getResourceAsStream("/golden/" + file)) {
      stored = HEX.parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
    }
    byte[] large = GoldenFixtures.largePlaintext();
    EncryptorOptions options = new EncryptorOptions(65536, segmentBytes, 1L << 32);
    assertThat(
            GoldenFixtures.encrypt(
                Algorithm.XAES_256_GCM_SEGMENTED, REGISTRY_REF, seed, large, options))
        .isEqualTo(stored);
    try (DataKey key = GoldenFixtures.dataKey();
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      assertThat(dec.decrypt(stored, CONTEXT)).isEqualTo(large);
    }
  }

  @Test
  void largeValuesAreSegmentedAutomatically() {
    try (DataKey key = GoldenFixtures.dataKey();
        EnvelopeEncryptor enc =
            EnvelopeEncryptor.create(
                key,
                Algorithm.XAES_256_GCM,
                REGISTRY_REF,
                new EncryptorOptions(1024, Envelope.DEFAULT_SEGMENT_BYTES, 1L << 32),
                GoldenFixtures.counting(0x71))) {
      assertThat(enc.encrypt(new byte[1024], CONTEXT)[1]).isEqualTo((byte) 0x01);
      assertThat(enc.encrypt(new byte[1025], CONTEXT)[1]).isEqualTo((byte) 0x03);
    }
  }

  /**
   * Recomputes the vectors from the primitives alone, which are pinned by C2SP and Wycheproof
   * vectors: this is what docs/format.md says the bytes are.
   */
  @Test
  void vectorsFollowFromThePrimitives() {
    byte[] dek = GoldenFixtures.sequence(0, 32);
    XaesGcm xaes = XaesGcm.create(dek);
    byte[] ctx = CONTEXT.bytes();

    byte[] v1 = HEX.parseHex(Vector.XAES_INLINE.hex);
    int h = Envelope.headerLength(INLINE_REF);
    byte[] header = Arrays.copyOf(v1, h);
    byte[] nonce = Arrays.copyOfRange(v1, h, h + 24);
    // Decrypting (not re-encrypting) keeps the JDK's nonce-reuse guard out of test ordering.
    assertThat(xaes.decrypt(nonce, Arrays.copyOfRange(v1, h + 24, v1.length), concat(header, ctx)))
        .isEqualTo(PLAINTEXT);

    byte[] v2 = HEX.parseHex(Vector.SIV_REGISTRY.hex);
    h = Envelope.headerLength(REGISTRY_REF);
    byte[] sivKey =
        Hkdf.sha256(
            new byte[0], dek, "pipeseal/v1/aes-siv".getBytes(StandardCharsets.US_ASCII), 64);
    assertThat(
            AesSiv.create(sivKey)
                .encryptDeterministically(PLAINTEXT, new byte[][] {Arrays.copyOf(v2, h), ctx}))
        .isEqualTo(Arrays.copyOfRange(v2, h, v2.length));

    // Segment i of a segmented value is XAES-256-GCM with nonce body[0:19] || BE32(i) || last.
    byte[] v3 = HEX.parseHex(Vector.SEGMENTED_REGISTRY.hex);
    byte[] segNonce = Arrays.copyOf(Arrays.copyOfRange(v3, h, h + 19), 24);
    segNonce[23] = 1;
    assertThat(
            xaes.decrypt(
                segNonce,
                Arrays.copyOfRange(v3, h + 19, v3.length),
                concat(Arrays.copyOf(v3, h), ctx)))
        .isEqualTo(PLAINTEXT);
  }

  @Test
  void hkdfMatchesRfc5869TestCase1() {
    byte[] okm =
        Hkdf.sha256(
            HEX.parseHex("000102030405060708090a0b0c"),
            HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
            HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"),
            42);
    assertThat(HEX.formatHex(okm))
        .isEqualTo(
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
