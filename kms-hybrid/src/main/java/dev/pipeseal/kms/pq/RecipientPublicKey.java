package dev.pipeseal.kms.pq;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One version of a recipient's X-Wing public key (1216 bytes).
 *
 * @param name recipient name
 * @param version recipient key version, from 1
 * @param key X-Wing public key
 */
record RecipientPublicKey(String name, int version, byte[] key) {
  RecipientPublicKey {
    Objects.requireNonNull(name, "name");
    key = key.clone();
  }

  @Override
  public byte[] key() {
    return key.clone();
  }

  /** First 8 bytes of SHA-256 of the key, hex: for humans comparing keys, not for security. */
  String fingerprint() {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(key);
      return HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecipientPublicKey r
        && name.equals(r.name)
        && version == r.version
        && Arrays.equals(key, r.key);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, version, Arrays.hashCode(key));
  }

  @Override
  public String toString() {
    return "RecipientPublicKey[" + name + "@" + version + ", " + fingerprint() + "]";
  }
}
