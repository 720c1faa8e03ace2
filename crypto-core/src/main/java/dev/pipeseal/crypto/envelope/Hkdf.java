package dev.pipeseal.crypto.envelope;

import dev.pipeseal.crypto.PipesealCryptoException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF-SHA256 (RFC 5869), used to derive the AES-SIV key from a data key. */
final class Hkdf {
  private Hkdf() {}

  /** Derives {@code length} bytes (at most 255 * 32); an empty salt means 32 zero bytes. */
  static byte[] sha256(byte[] salt, byte[] ikm, byte[] info, int length) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
      byte[] prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      Arrays.fill(prk, (byte) 0);
      byte[] out = new byte[length];
      byte[] t = new byte[0];
      for (int i = 1, pos = 0; pos < length; i++) {
        mac.update(t);
        mac.update(info);
        mac.update((byte) i);
        Arrays.fill(t, (byte) 0);
        t = mac.doFinal();
        int n = Math.min(t.length, length - pos);
        System.arraycopy(t, 0, out, pos, n);
        pos += n;
      }
      Arrays.fill(t, (byte) 0);
      return out;
    } catch (GeneralSecurityException e) {
      throw new PipesealCryptoException("HKDF-SHA256 is not available", e);
    }
  }
}
