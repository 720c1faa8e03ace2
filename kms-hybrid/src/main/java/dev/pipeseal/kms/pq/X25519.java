package dev.pipeseal.kms.pq;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/**
 * RFC 7748 X25519 on byte strings, through the JDK's XDH provider. Keys are 32-byte little-endian
 * strings; the JDK clamps scalars. The top bit of a u-coordinate is masked (RFC 7748 section 5) and
 * values at or above 2^255-19 are reduced, so every 32-byte string is accepted as a point.
 */
final class X25519 {
  static final int KEY_BYTES = 32;
  private static final BigInteger P =
      BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
  private static final byte[] BASE = basePoint();

  private X25519() {}

  /** The public key of {@code scalar}: X25519(scalar, 9). */
  static byte[] publicKey(byte[] scalar) throws GeneralSecurityException {
    return scalarMult(scalar, BASE);
  }

  /**
   * X25519(scalar, u). Fails with {@link GeneralSecurityException} when the result is all zero (a
   * small-order point): the JDK refuses it, and so do we.
   */
  static byte[] scalarMult(byte[] scalar, byte[] u) throws GeneralSecurityException {
    return scalarMult(privateKey(scalar), u);
  }

  static PrivateKey privateKey(byte[] scalar) throws GeneralSecurityException {
    if (scalar.length != KEY_BYTES) {
      throw new GeneralSecurityException("X25519 scalar must be 32 bytes");
    }
    return KeyFactory.getInstance("XDH")
        .generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
  }

  static byte[] scalarMult(PrivateKey scalar, byte[] u) throws GeneralSecurityException {
    KeyAgreement agreement = KeyAgreement.getInstance("XDH");
    agreement.init(scalar);
    agreement.doPhase(point(u), true);
    return agreement.generateSecret();
  }

  private static PublicKey point(byte[] u) throws GeneralSecurityException {
    if (u.length != KEY_BYTES) {
      throw new GeneralSecurityException("X25519 u-coordinate must be 32 bytes");
    }
    byte[] bigEndian = new byte[KEY_BYTES];
    for (int i = 0; i < KEY_BYTES; i++) {
      bigEndian[i] = u[KEY_BYTES - 1 - i];
    }
    bigEndian[0] &= 0x7f;
    BigInteger value = new BigInteger(1, bigEndian).mod(P);
    return KeyFactory.getInstance("XDH")
        .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, value));
  }

  private static byte[] basePoint() {
    byte[] u = new byte[KEY_BYTES];
    u[0] = 9;
    return u;
  }
}
