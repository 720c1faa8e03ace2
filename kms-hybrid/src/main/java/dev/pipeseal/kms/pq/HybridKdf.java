package dev.pipeseal.kms.pq;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF-SHA256 (RFC 5869) and HMAC-SHA256 on the JDK's {@code HmacSHA256}. */
final class HybridKdf {
  private static final int HASH_BYTES = 32;

  private HybridKdf() {}

  /** HKDF with an empty salt (RFC 5869: a string of HashLen zeros). */
  static byte[] hkdf(byte[] ikm, byte[] info, int length) throws GeneralSecurityException {
    byte[] prk = hmac(new byte[HASH_BYTES], ikm);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      byte[] out = new byte[length];
      byte[] t = new byte[0];
      int done = 0;
      for (int counter = 1; done < length; counter++) {
        mac.update(t);
        mac.update(info);
        mac.update((byte) counter);
        byte[] next = mac.doFinal();
        Arrays.fill(t, (byte) 0);
        t = next;
        int n = Math.min(HASH_BYTES, length - done);
        System.arraycopy(t, 0, out, done, n);
        done += n;
      }
      Arrays.fill(t, (byte) 0);
      return out;
    } finally {
      Arrays.fill(prk, (byte) 0);
    }
  }

  static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }
}
