package dev.pipeseal.kms.pq;

import static dev.pipeseal.kms.pq.Vectors.HEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.junit.jupiter.api.Test;

/**
 * Known answers for the primitives under the hybrid provider: ML-KEM-768 (Bouncy Castle) against
 * vectors made by the JDK's independent ML-KEM, X25519 (JDK) against RFC 7748, and X-Wing against
 * the published draft vectors and independently generated ones (src/test/jdk25/PqVectorGen.java).
 */
class KnownAnswerTest {

  @Test
  void mlkem768MatchesIndependentImplementation() {
    List<byte[][]> vectors = Vectors.load("/pq/mlkem768-kat.txt");
    assertThat(vectors).hasSize(8);
    for (byte[][] v : vectors) {
      byte[] dz = XWing.concat(v[0], v[1]);
      MLKEMPrivateKeyParameters sk = new MLKEMPrivateKeyParameters(MLKEMParameters.ml_kem_768, dz);
      assertThat(sk.getPublicKey()).isEqualTo(v[2]);
      SecretWithEncapsulation enc =
          MLKEMGenerator.internalGenerateEncapsulated(sk.getPublicKeyParameters(), v[3]);
      assertThat(enc.getEncapsulation()).isEqualTo(v[4]);
      assertThat(enc.getSecret()).isEqualTo(v[5]);
      assertThat(new MLKEMExtractor(sk).extractSecret(v[4])).isEqualTo(v[5]);
      // Implicit rejection: a changed ciphertext gives another secret, not an error.
      byte[] bad = v[4].clone();
      bad[0] ^= 1;
      assertThat(new MLKEMExtractor(sk).extractSecret(bad)).isNotEqualTo(v[5]);
    }
  }

  @Test
  void x25519Rfc7748Section52() throws Exception {
    assertThat(
            X25519.scalarMult(
                HEX.parseHex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
                HEX.parseHex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")))
        .isEqualTo(
            HEX.parseHex("c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"));
    // The u-coordinate has its top bit set: it must be masked, not rejected.
    assertThat(
            X25519.scalarMult(
                HEX.parseHex("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d"),
                HEX.parseHex("e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493")))
        .isEqualTo(
            HEX.parseHex("95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"));
  }

  @Test
  void x25519Rfc7748IteratedThousandTimes() throws Exception {
    byte[] k = new byte[32];
    k[0] = 9;
    byte[] u = k.clone();
    for (int i = 1; i <= 1000; i++) {
      byte[] next = X25519.scalarMult(k, u);
      u = k;
      k = next;
      if (i == 1) {
        assertThat(k)
            .isEqualTo(
                HEX.parseHex("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"));
      }
    }
    assertThat(k)
        .isEqualTo(
            HEX.parseHex("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"));
  }

  @Test
  void x25519Rfc7748Section61DiffieHellman() throws Exception {
    byte[] alice = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    byte[] bob = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    byte[] alicePub = X25519.publicKey(alice);
    byte[] bobPub = X25519.publicKey(bob);
    assertThat(alicePub)
        .isEqualTo(
            HEX.parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
    assertThat(bobPub)
        .isEqualTo(
            HEX.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
    byte[] shared =
        HEX.parseHex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    assertThat(X25519.scalarMult(alice, bobPub)).isEqualTo(shared);
    assertThat(X25519.scalarMult(bob, alicePub)).isEqualTo(shared);
  }

  @Test
  void x25519RefusesSmallOrderPoints() {
    byte[] scalar = new byte[32];
    scalar[0] = 1;
    assertThatThrownBy(() -> X25519.scalarMult(scalar, new byte[32]))
        .isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void xwingPublishedDraftVectors() throws Exception {
    // draft-connolly-cfrg-xwing-kem, appendix C, vectors 1 and 2: seed, eseed, ss.
    assertXWingSecret(
        "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26",
        "3cb1eea988004b93103cfb0aeefd2a686e01fa4a58e8a3639ca8a1e3f9ae57e2"
            + "35b8cc873c23dc62b8d260169afa2f75ab916a58d974918835d25e6a435085b2",
        "d2df0522128f09dd8e2c92b1e905c793d8f57a54c3da25861f10bf4ca613e384");
    assertXWingSecret(
        "badfd6dfaac359a5efbb7bcc4b59d538df9a04302e10c8bc1cbf1a0b3a5120ea",
        "17cda7cfad765f5623474d368ccca8af0007cd9f5e4c849f167a580b14aabdef"
            + "aee7eef47cb0fca9767be1fda69419dfb927e9df07348b196691abaeb580b32d",
        "f2e86241c64d60f6649fbc6c5b7d17180b780a3f34355e64a85749949c45f150");
  }

  private static void assertXWingSecret(String seed, String eseed, String ss) throws Exception {
    XWing.PrivateKeyPair key = XWing.fromSeed(HEX.parseHex(seed));
    XWing.Encapsulation enc = XWing.encapsulate(key.publicKey(), HEX.parseHex(eseed));
    assertThat(HEX.formatHex(enc.sharedSecret())).isEqualTo(ss);
    assertThat(XWing.decapsulate(key, enc.ciphertext())).isEqualTo(enc.sharedSecret());
  }

  @Test
  void xwingMatchesIndependentImplementation() throws Exception {
    List<byte[][]> vectors = Vectors.load("/pq/xwing-kat.txt");
    assertThat(vectors).hasSize(8);
    for (byte[][] v : vectors) {
      XWing.PrivateKeyPair key = XWing.fromSeed(v[0]);
      assertThat(key.publicKey()).isEqualTo(v[1]);
      XWing.Encapsulation enc = XWing.encapsulate(v[1], v[2]);
      assertThat(enc.ciphertext()).isEqualTo(v[3]);
      assertThat(enc.sharedSecret()).isEqualTo(v[4]);
      assertThat(XWing.decapsulate(key, v[3])).isEqualTo(v[4]);
    }
  }

  @Test
  void xwingWrongKeyOrCiphertextGivesAnotherSecret() throws Exception {
    byte[][] v = Vectors.load("/pq/xwing-kat.txt").get(0);
    XWing.PrivateKeyPair other = XWing.fromSeed(new byte[32]);
    assertThat(XWing.decapsulate(other, v[3])).isNotEqualTo(v[4]);
    XWing.PrivateKeyPair key = XWing.fromSeed(v[0]);
    byte[] ct = v[3].clone();
    ct[100] ^= 0x40; // ML-KEM part
    assertThat(XWing.decapsulate(key, ct)).isNotEqualTo(v[4]);
    ct = v[3].clone();
    ct[1100] ^= 0x01; // X25519 part
    assertThat(XWing.decapsulate(key, ct)).isNotEqualTo(v[4]);
    assertThat(Arrays.equals(v[4], new byte[32])).isFalse();
  }
}
