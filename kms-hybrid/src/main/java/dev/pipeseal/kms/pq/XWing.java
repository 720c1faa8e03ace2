package dev.pipeseal.kms.pq;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.Arrays;
import javax.security.auth.DestroyFailedException;
import javax.security.auth.Destroyable;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.digests.SHA3Digest;
import org.bouncycastle.crypto.digests.SHAKEDigest;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;

/**
 * The X-Wing hybrid KEM (draft-connolly-cfrg-xwing-kem): ML-KEM-768 (Bouncy Castle) and X25519
 * (JDK), combined as {@code ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || "\.//^\")}.
 *
 * <p>A private key is a 32-byte seed; {@code SHAKE256(seed, 96)} gives the ML-KEM-768 key
 * generation seed {@code d || z} (64 bytes) and the X25519 scalar (32 bytes). Public keys are
 * {@code pk_M (1184) || pk_X (32)}, ciphertexts {@code ct_M (1088) || ct_X (32)}. Encapsulation
 * takes its 64 random bytes ({@code eseed}: ML-KEM message, then X25519 ephemeral scalar) from the
 * caller, which is the deterministic seam the known-answer tests use.
 */
final class XWing {
  static final int SEED_BYTES = 32;
  static final int ESEED_BYTES = 64;
  static final int PUBLIC_KEY_BYTES = 1216;
  static final int CIPHERTEXT_BYTES = 1120;
  static final int SHARED_SECRET_BYTES = 32;
  private static final int MLKEM_PUBLIC_BYTES = 1184;
  private static final int MLKEM_CIPHERTEXT_BYTES = 1088;
  private static final byte[] LABEL = {0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c};

  private XWing() {}

  /** An expanded private key, kept in memory so decapsulation does not re-run key generation. */
  static final class PrivateKeyPair implements Destroyable {
    private final MLKEMPrivateKeyParameters mlkem;
    private final PrivateKey x25519;
    private final byte[] publicKey;
    private volatile boolean destroyed;

    private PrivateKeyPair(MLKEMPrivateKeyParameters mlkem, PrivateKey x25519, byte[] publicKey) {
      this.mlkem = mlkem;
      this.x25519 = x25519;
      this.publicKey = publicKey;
    }

    byte[] publicKey() {
      return publicKey.clone();
    }

    @Override
    public void destroy() {
      destroyed = true;
      mlkem.destroy();
      try {
        x25519.destroy();
      } catch (DestroyFailedException e) {
        // The JDK's XDH keys cannot be destroyed; they are dropped with this object.
      }
    }

    @Override
    public boolean isDestroyed() {
      return destroyed;
    }
  }

  /** Shared secret and ciphertext of one encapsulation. */
  record Encapsulation(byte[] sharedSecret, byte[] ciphertext) {}

  /** Expands a 32-byte seed into the key pair. */
  static PrivateKeyPair fromSeed(byte[] seed) throws GeneralSecurityException {
    if (seed.length != SEED_BYTES) {
      throw new GeneralSecurityException("X-Wing seed must be 32 bytes");
    }
    byte[] expanded = shake256(seed, 96);
    byte[] dz = Arrays.copyOfRange(expanded, 0, 64);
    byte[] skX = Arrays.copyOfRange(expanded, 64, 96);
    try {
      MLKEMPrivateKeyParameters mlkem =
          new MLKEMPrivateKeyParameters(MLKEMParameters.ml_kem_768, dz);
      byte[] pkM = mlkem.getPublicKey();
      byte[] pkX = X25519.publicKey(skX);
      return new PrivateKeyPair(mlkem, X25519.privateKey(skX), concat(pkM, pkX));
    } finally {
      Arrays.fill(expanded, (byte) 0);
      Arrays.fill(dz, (byte) 0);
      Arrays.fill(skX, (byte) 0);
    }
  }

  /** Encapsulates to {@code publicKey} with the caller's 64 random bytes. */
  static Encapsulation encapsulate(byte[] publicKey, byte[] eseed) throws GeneralSecurityException {
    if (publicKey.length != PUBLIC_KEY_BYTES) {
      throw new GeneralSecurityException("X-Wing public key must be 1216 bytes");
    }
    if (eseed.length != ESEED_BYTES) {
      throw new GeneralSecurityException("X-Wing encapsulation seed must be 64 bytes");
    }
    byte[] pkX = Arrays.copyOfRange(publicKey, MLKEM_PUBLIC_BYTES, PUBLIC_KEY_BYTES);
    byte[] m = Arrays.copyOfRange(eseed, 0, 32);
    byte[] ekX = Arrays.copyOfRange(eseed, 32, 64);
    byte[] ssM = null;
    byte[] ssX = null;
    try {
      MLKEMPublicKeyParameters pkM;
      try {
        pkM =
            new MLKEMPublicKeyParameters(
                MLKEMParameters.ml_kem_768, Arrays.copyOf(publicKey, MLKEM_PUBLIC_BYTES));
      } catch (IllegalArgumentException e) {
        // FIPS 203 encapsulation-key check (coefficients reduced mod q) failed.
        throw new GeneralSecurityException("invalid ML-KEM-768 public key");
      }
      SecretWithEncapsulation enc = MLKEMGenerator.internalGenerateEncapsulated(pkM, m);
      ssM = enc.getSecret();
      byte[] ctM = enc.getEncapsulation();
      byte[] ctX = X25519.publicKey(ekX);
      ssX = X25519.scalarMult(ekX, pkX);
      return new Encapsulation(combine(ssM, ssX, ctX, pkX), concat(ctM, ctX));
    } finally {
      zero(m, ekX, ssM, ssX);
    }
  }

  /** Decapsulates; ML-KEM rejects implicitly, so a wrong ciphertext gives a wrong secret. */
  static byte[] decapsulate(PrivateKeyPair key, byte[] ciphertext) throws GeneralSecurityException {
    if (key.isDestroyed()) {
      throw new GeneralSecurityException("X-Wing private key was destroyed");
    }
    if (ciphertext.length != CIPHERTEXT_BYTES) {
      throw new GeneralSecurityException("X-Wing ciphertext must be 1120 bytes");
    }
    byte[] ctM = Arrays.copyOf(ciphertext, MLKEM_CIPHERTEXT_BYTES);
    byte[] ctX = Arrays.copyOfRange(ciphertext, MLKEM_CIPHERTEXT_BYTES, CIPHERTEXT_BYTES);
    byte[] pkX = Arrays.copyOfRange(key.publicKey, MLKEM_PUBLIC_BYTES, PUBLIC_KEY_BYTES);
    byte[] ssM = null;
    byte[] ssX = null;
    try {
      ssM = new MLKEMExtractor(key.mlkem).extractSecret(ctM);
      ssX = X25519.scalarMult(key.x25519, ctX);
      return combine(ssM, ssX, ctX, pkX);
    } finally {
      zero(ssM, ssX);
    }
  }

  private static byte[] combine(byte[] ssM, byte[] ssX, byte[] ctX, byte[] pkX) {
    SHA3Digest sha3 = new SHA3Digest(256);
    sha3.update(ssM, 0, ssM.length);
    sha3.update(ssX, 0, ssX.length);
    sha3.update(ctX, 0, ctX.length);
    sha3.update(pkX, 0, pkX.length);
    sha3.update(LABEL, 0, LABEL.length);
    byte[] out = new byte[SHARED_SECRET_BYTES];
    sha3.doFinal(out, 0);
    return out;
  }

  private static byte[] shake256(byte[] in, int length) {
    SHAKEDigest shake = new SHAKEDigest(256);
    shake.update(in, 0, in.length);
    byte[] out = new byte[length];
    shake.doFinal(out, 0, length);
    return out;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static void zero(byte[]... arrays) {
    for (byte[] a : arrays) {
      if (a != null) {
        Arrays.fill(a, (byte) 0);
      }
    }
  }
}
