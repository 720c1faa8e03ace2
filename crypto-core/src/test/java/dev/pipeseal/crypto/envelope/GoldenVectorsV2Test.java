package dev.pipeseal.crypto.envelope;

import static dev.pipeseal.crypto.envelope.GoldenFixtures.CONTEXT;
import static dev.pipeseal.crypto.envelope.GoldenFixtures.INLINE_REF;
import static dev.pipeseal.crypto.envelope.GoldenFixtures.PLAINTEXT;
import static dev.pipeseal.crypto.envelope.GoldenFixtures.REGISTRY_REF;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.aead.AesSiv;
import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.aead.XaesGcm;
import dev.pipeseal.crypto.key.DataKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Golden vectors of envelope format v2 (the v1 layout; the associated data binds {@code 0x02 ||
 * SHA-256(header)} instead of the header).
 *
 * <p>THESE VECTORS MUST NEVER CHANGE, like those of v1 in {@link GoldenVectorsTest}: every envelope
 * v2 ever written must stay readable.
 */
class GoldenVectorsV2Test {
  private static final HexFormat HEX = HexFormat.of();
  private static final EncryptorOptions V2 =
      EncryptorOptions.DEFAULTS.withFormatVersion(Envelope.VERSION_2);

  /** Algorithm, key reference, seed of the fixed random source, expected envelope. */
  enum Vector {
    XAES_INLINE(
        Algorithm.XAES_256_GCM,
        INLINE_REF,
        0x80,
        "02010128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
            + "808182838485868788898a8b8c8d8e8f9091929300000000d477fab1944cfa0142a7543d2246aefa4becb4f9"
            + "afeb2b9256bebb1178513fbfee12"),
    XAES_REGISTRY(
        Algorithm.XAES_256_GCM,
        REGISTRY_REF,
        0x90,
        "020102080102030405060708909192939495969798999a9b9c9d9e9fa0a1a2a30000000092c664c3aa5bd278"
            + "727b24b672f535ddc01ab3ed4ed57e5771602538cfdc91e50944"),
    XAES_SUBJECT(
        Algorithm.XAES_256_GCM,
        GoldenFixtures.SUBJECT_REF,
        0xa0,
        "02010318d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
            + "b0b1b2b3000000002ab490118a9546d8501beabc1bb9e3b3aea6bab57363b13376571322d0af733c8da1"),
    SIV_INLINE(
        Algorithm.AES_SIV,
        INLINE_REF,
        0xb0,
        "02020128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
            + "f399842942bff6bf5a082a1da1e8804f049d5b5e25530e8c593eb465cd66c86a47bb"),
    SEGMENTED_INLINE(
        Algorithm.XAES_256_GCM_SEGMENTED,
        INLINE_REF,
        0xc0,
        "02030128a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7"
            + "c0c1c2c3c4c5c6c7c8c9cacb0ecdcecfd0d1d2d94bbc3e375526f53115af62232d4a20d96fb95d4dd30f0550"
            + "697ce9a56998350be2");

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
    assertThat(HEX.formatHex(GoldenFixtures.encrypt(v.algorithm, v.ref, v.seed, PLAINTEXT, V2)))
        .isEqualTo(v.hex);
  }

  @ParameterizedTest
  @EnumSource(Vector.class)
  void decryptsTheStoredBytes(Vector v) {
    GoldenFixtures.assertOpensStored(v.hex, 2, v.algorithm, v.ref);
  }

  /**
   * A v2 value relabelled v1 (or the reverse) fails: the version byte is in the header, and the two
   * versions bind different associated data.
   */
  @ParameterizedTest
  @EnumSource(Vector.class)
  void theOtherVersionByteFailsAuthentication(Vector v) {
    byte[] asV1 = HEX.parseHex(v.hex);
    asV1[0] = Envelope.VERSION_1;
    // Another seed: the same one would repeat the stored vector's subkey and nonce, which the
    // JDK refuses on the thread's shared cipher.
    byte[] v1 = GoldenFixtures.encrypt(v.algorithm, v.ref, v.seed + 1, PLAINTEXT);
    v1[0] = Envelope.VERSION_2;
    try (DataKey key = GoldenFixtures.dataKey();
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      assertThatThrownBy(() -> dec.decrypt(asV1, CONTEXT))
          .isInstanceOf(AuthenticationFailedException.class);
      assertThatThrownBy(() -> dec.decrypt(v1, CONTEXT))
          .isInstanceOf(AuthenticationFailedException.class);
    }
  }

  /** The header, the context and the key reference stay bound, as in v1. */
  @Test
  void anotherContextOrReferenceFailsAuthentication() {
    byte[] envelope = HEX.parseHex(Vector.XAES_INLINE.hex);
    byte[] otherRef = envelope.clone();
    otherRef[10] ^= 1; // a byte of the inline reference
    try (DataKey key = GoldenFixtures.dataKey();
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key)) {
      assertThatThrownBy(() -> dec.decrypt(envelope, EnvelopeContext.of("db.table.other")))
          .isInstanceOf(AuthenticationFailedException.class);
      assertThatThrownBy(() -> dec.decrypt(otherRef, CONTEXT))
          .isInstanceOf(AuthenticationFailedException.class);
    }
  }

  /**
   * Recomputes the vectors from the primitives and SHA-256 alone: what docs/format.md says v2 is.
   */
  @Test
  void vectorsFollowFromThePrimitives() throws Exception {
    byte[] dek = GoldenFixtures.sequence(0, 32);
    XaesGcm xaes = XaesGcm.create(dek);
    byte[] ctx = CONTEXT.bytes();

    byte[] g = HEX.parseHex(Vector.XAES_INLINE.hex);
    int h = Envelope.headerLength(INLINE_REF);
    byte[] nonce = Arrays.copyOfRange(g, h, h + 24);
    byte[] bound = bound(Arrays.copyOf(g, h));
    assertThat(xaes.decrypt(nonce, Arrays.copyOfRange(g, h + 24, g.length), concat(bound, ctx)))
        .isEqualTo(PLAINTEXT);

    byte[] s = HEX.parseHex(Vector.SIV_INLINE.hex);
    byte[] sivKey =
        Hkdf.sha256(
            new byte[0], dek, "pipeseal/v1/aes-siv".getBytes(StandardCharsets.US_ASCII), 64);
    assertThat(
            AesSiv.create(sivKey)
                .encryptDeterministically(
                    PLAINTEXT, new byte[][] {bound(Arrays.copyOf(s, h)), ctx}))
        .isEqualTo(Arrays.copyOfRange(s, h, s.length));

    byte[] seg = HEX.parseHex(Vector.SEGMENTED_INLINE.hex);
    byte[] segNonce = Arrays.copyOf(Arrays.copyOfRange(seg, h, h + 19), 24);
    segNonce[23] = 1;
    assertThat(
            xaes.decrypt(
                segNonce,
                Arrays.copyOfRange(seg, h + 19, seg.length),
                concat(bound(Arrays.copyOf(seg, h)), ctx)))
        .isEqualTo(PLAINTEXT);
  }

  /** {@code 0x02 || SHA-256(header)}, computed independently of {@link Envelope}. */
  private static byte[] bound(byte[] header) throws Exception {
    assertThat(header[0]).isEqualTo((byte) 0x02);
    return concat(new byte[] {0x02}, MessageDigest.getInstance("SHA-256").digest(header));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
