package dev.pipeseal.spark.keys;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.envelope.KeyReferenceKind;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What an encrypting expression ships to executors: the master key name (for messages), the
 * algorithm and the key reference (a registry id or a wrapped key), never key material.
 */
public final class ColumnKey implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String masterKey;
  private final Algorithm algorithm;
  private final KeyReferenceKind kind;
  private final byte[] reference;

  public ColumnKey(String masterKey, Algorithm algorithm, KeyReference reference) {
    this.masterKey = Objects.requireNonNull(masterKey, "masterKey");
    this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
    this.kind = reference.kind();
    this.reference = reference.bytes();
  }

  public String masterKey() {
    return masterKey;
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  public KeyReference reference() {
    return KeyReference.of(kind, reference);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ColumnKey k
        && k.masterKey.equals(masterKey)
        && k.algorithm == algorithm
        && k.kind == kind
        && Arrays.equals(k.reference, reference);
  }

  @Override
  public int hashCode() {
    return Objects.hash(masterKey, algorithm, kind, Arrays.hashCode(reference));
  }

  /** Registry ids are shown (they are public), inline wrapped keys only by length. */
  @Override
  public String toString() {
    String ref =
        kind == KeyReferenceKind.REGISTRY_KEY_ID
            ? "id " + HexFormat.of().formatHex(reference)
            : "inline " + reference.length + " bytes";
    return masterKey + "/" + algorithm + "/" + ref;
  }
}
