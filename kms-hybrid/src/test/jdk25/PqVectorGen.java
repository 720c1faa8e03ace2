import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.KEM;
import javax.crypto.KeyAgreement;

/**
 * Known-answer vector generator for ML-KEM-768 and X-Wing, written against the JDK's own ML-KEM
 * (JEP 496), X25519, SHA3-256 and SHAKE256: an implementation independent of Bouncy Castle, which
 * the provider uses. Not compiled by the build (it needs JDK 24+). Regenerate with a JDK 24+:
 *
 * <pre>
 *   java --add-exports java.base/sun.security.provider=ALL-UNNAMED \
 *       kms-bridge/src/test/jdk25/PqVectorGen.java kms-bridge/src/test/resources/pq
 * </pre>
 *
 * Inputs are derived from fixed labels, so reruns give identical files. Before writing, it checks
 * its X-Wing against the shared secrets of the published draft-connolly-cfrg-xwing-kem test
 * vectors 1 and 2 (seed, eseed and ss copied from the draft's appendix).
 */
public final class PqVectorGen {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] XWING_LABEL = {0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c};

  public static void main(String[] args) throws Exception {
    checkPublished(
        "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26",
        "3cb1eea988004b93103cfb0aeefd2a686e01fa4a58e8a3639ca8a1e3f9ae57e2"
            + "35b8cc873c23dc62b8d260169afa2f75ab916a58d974918835d25e6a435085b2",
        "d2df0522128f09dd8e2c92b1e905c793d8f57a54c3da25861f10bf4ca613e384");
    checkPublished(
        "badfd6dfaac359a5efbb7bcc4b59d538df9a04302e10c8bc1cbf1a0b3a5120ea",
        "17cda7cfad765f5623474d368ccca8af0007cd9f5e4c849f167a580b14aabdef"
            + "aee7eef47cb0fca9767be1fda69419dfb927e9df07348b196691abaeb580b32d",
        "f2e86241c64d60f6649fbc6c5b7d17180b780a3f34355e64a85749949c45f150");
    StringBuilder mlkem = new StringBuilder();
    mlkem.append("# ML-KEM-768 known answers from the JDK's ML-KEM (PqVectorGen.java).\n");
    mlkem.append("# d z ek m ct ss (hex, one vector per line)\n");
    StringBuilder xwing = new StringBuilder();
    xwing.append("# X-Wing known answers from an independent JDK implementation (PqVectorGen.java).\n");
    xwing.append("# seed pk eseed ct ss (hex, one vector per line)\n");
    for (int i = 0; i < 8; i++) {
      byte[] d = label("mlkem-d-" + i, 32);
      byte[] z = label("mlkem-z-" + i, 32);
      byte[] m = label("mlkem-m-" + i, 32);
      KeyPair kp = mlkemKeyPair(concat(d, z));
      byte[] ek = rawMlkemPublic(kp.getPublic());
      byte[][] enc = mlkemEncaps(kp.getPublic(), m);
      byte[] ss2 = KEM.getInstance("ML-KEM").newDecapsulator(kp.getPrivate()).decapsulate(enc[0]).getEncoded();
      if (!Arrays.equals(ss2, enc[1])) {
        throw new AssertionError("decaps mismatch");
      }
      mlkem.append(String.join(" ", hex(d), hex(z), hex(ek), hex(m), hex(enc[0]), hex(enc[1]))).append('\n');

      byte[] seed = label("xwing-seed-" + i, 32);
      byte[] eseed = label("xwing-eseed-" + i, 64);
      byte[][] x = xwing(seed, eseed);
      xwing.append(String.join(" ", hex(seed), hex(x[0]), hex(eseed), hex(x[1]), hex(x[2]))).append('\n');
    }
    java.nio.file.Path dir = java.nio.file.Path.of(args[0]);
    java.nio.file.Files.writeString(dir.resolve("mlkem768-kat.txt"), mlkem);
    java.nio.file.Files.writeString(dir.resolve("xwing-kat.txt"), xwing);
  }

  private static void checkPublished(String seed, String eseed, String ss) throws Exception {
    byte[][] x = xwing(HEX.parseHex(seed), HEX.parseHex(eseed));
    if (!HEX.formatHex(x[2]).equals(ss)) {
      throw new AssertionError("X-Wing does not reproduce the published vector: " + hex(x[2]));
    }
  }

  /** Returns pk, ct, ss. */
  static byte[][] xwing(byte[] seed, byte[] eseed) throws Exception {
    byte[] expanded = shake256(seed, 96);
    KeyPair m = mlkemKeyPair(Arrays.copyOfRange(expanded, 0, 64));
    byte[] skX = Arrays.copyOfRange(expanded, 64, 96);
    byte[] pkX = x25519(skX, basePoint());
    byte[] pkM = rawMlkemPublic(m.getPublic());
    byte[][] enc = mlkemEncaps(m.getPublic(), Arrays.copyOfRange(eseed, 0, 32));
    byte[] ekX = Arrays.copyOfRange(eseed, 32, 64);
    byte[] ctX = x25519(ekX, basePoint());
    byte[] ssX = x25519(ekX, pkX);
    byte[] ss =
        MessageDigest.getInstance("SHA3-256").digest(concat(enc[1], ssX, ctX, pkX, XWING_LABEL));
    // The decapsulation side, through the private key only.
    byte[] ssM2 = KEM.getInstance("ML-KEM").newDecapsulator(m.getPrivate()).decapsulate(enc[0]).getEncoded();
    byte[] ssX2 = x25519(skX, ctX);
    byte[] ss2 =
        MessageDigest.getInstance("SHA3-256").digest(concat(ssM2, ssX2, ctX, pkX, XWING_LABEL));
    if (!Arrays.equals(ss, ss2)) {
      throw new AssertionError("X-Wing decaps mismatch");
    }
    return new byte[][] {concat(pkM, pkX), concat(enc[0], ctX), ss};
  }

  static KeyPair mlkemKeyPair(byte[] dz) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("ML-KEM");
    g.initialize(new NamedParameterSpec("ML-KEM-768"), new FixedRandom(dz));
    return g.generateKeyPair();
  }

  static byte[][] mlkemEncaps(PublicKey pk, byte[] m) throws Exception {
    KEM.Encapsulated e = KEM.getInstance("ML-KEM").newEncapsulator(pk, new FixedRandom(m)).encapsulate();
    return new byte[][] {e.encapsulation(), e.key().getEncoded()};
  }

  /** The raw 1184-byte encapsulation key: the tail of the SubjectPublicKeyInfo. */
  static byte[] rawMlkemPublic(PublicKey pk) {
    byte[] spki = pk.getEncoded();
    return Arrays.copyOfRange(spki, spki.length - 1184, spki.length);
  }

  static byte[] basePoint() {
    byte[] u = new byte[32];
    u[0] = 9;
    return u;
  }

  static byte[] x25519(byte[] scalar, byte[] u) throws Exception {
    KeyFactory kf = KeyFactory.getInstance("XDH");
    PrivateKey k = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
    byte[] be = u.clone();
    be[31] &= 0x7f;
    for (int i = 0; i < 16; i++) {
      byte t = be[i];
      be[i] = be[31 - i];
      be[31 - i] = t;
    }
    PublicKey p =
        kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, be)));
    KeyAgreement ka = KeyAgreement.getInstance("XDH");
    ka.init(k);
    ka.doPhase(p, true);
    return ka.generateSecret();
  }

  static byte[] shake256(byte[] in, int len) throws Exception {
    // The public MessageDigest "SHAKE256" has a fixed 64-byte output; X-Wing needs 96 bytes.
    var xof = new sun.security.provider.SHA3.SHAKE256(0);
    xof.update(in);
    return xof.squeeze(len);
  }

  /** Deterministic, label-derived input bytes (SHA-256 counter stream). */
  static byte[] label(String label, int len) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int c = 0; out.size() < len; c++) {
      out.write(MessageDigest.getInstance("SHA-256").digest((label + "/" + c).getBytes("UTF-8")));
    }
    return Arrays.copyOf(out.toByteArray(), len);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static String hex(byte[] b) {
    return HEX.formatHex(b);
  }

  /** Hands out exactly the given bytes, in order, then fails. */
  static final class FixedRandom extends SecureRandom {
    private final byte[] bytes;
    private int pos;

    FixedRandom(byte[] bytes) {
      this.bytes = bytes.clone();
    }

    @Override
    public void nextBytes(byte[] out) {
      if (pos + out.length > bytes.length) {
        throw new IllegalStateException("asked for more randomness than fixed");
      }
      System.arraycopy(bytes, pos, out, 0, out.length);
      pos += out.length;
    }
  }
}
