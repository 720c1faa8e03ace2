package dev.pipeseal.kms;

import java.util.Arrays;
import java.util.Objects;

/**
 * A DEK as it may be stored: which provider and master key version wrapped it, with which
 * algorithm, and the opaque wrapped bytes (provider specific; e.g. IV and EEK for Hadoop KMS).
 * Binary and JSON encodings live in {@code dev.pipeseal.kms.wrapping}.
 *
 * @param provider provider id, see {@link Kms#providerId()}
 * @param masterKeyName name of the master key (CMK) in that provider
 * @param masterKeyVersion version of the master key that wrapped these bytes
 * @param algorithm wrapping algorithm id, e.g. {@code AES256-GCM}, {@code HADOOP-EEK}
 * @param bytes wrapped key bytes; never plaintext
 */
public record WrappedKey(
    String provider,
    String masterKeyName,
    String masterKeyVersion,
    String algorithm,
    byte[] bytes) {
  public WrappedKey {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(masterKeyName, "masterKeyName");
    Objects.requireNonNull(masterKeyVersion, "masterKeyVersion");
    Objects.requireNonNull(algorithm, "algorithm");
    bytes = bytes.clone();
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WrappedKey w
        && provider.equals(w.provider)
        && masterKeyName.equals(w.masterKeyName)
        && masterKeyVersion.equals(w.masterKeyVersion)
        && algorithm.equals(w.algorithm)
        && Arrays.equals(bytes, w.bytes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        provider, masterKeyName, masterKeyVersion, algorithm, Arrays.hashCode(bytes));
  }

  /** Names the key, never shows bytes. */
  @Override
  public String toString() {
    return "WrappedKey["
        + provider
        + ":"
        + masterKeyName
        + "@"
        + masterKeyVersion
        + ", "
        + algorithm
        + ", "
        + bytes.length
        + " bytes]";
  }
}
