package dev.pipeseal.crypto.envelope;

/** Byte 2 of an envelope v1: how the key-reference bytes name the data key. */
public enum KeyReferenceKind {
  /** Opaque wrapped-key bytes produced by the KMS layer, carried in every value (Kafka default). */
  INLINE_WRAPPED_KEY(0x01),
  /** A short key id into the key registry, which enforces its uniqueness (Spark default). */
  REGISTRY_KEY_ID(0x02),
  /**
   * A per-subject key: the subject's keyed hash and the id of one of its data keys in the key
   * registry's subject area (crypto-shredding: destroying the key erases the subject's values).
   */
  SUBJECT_KEY_ID(0x03);

  private final int id;

  KeyReferenceKind(int id) {
    this.id = id;
  }

  /** The byte written into the envelope. */
  public int id() {
    return id;
  }

  static KeyReferenceKind forId(int id) {
    for (KeyReferenceKind k : values()) {
      if (k.id == id) {
        return k;
      }
    }
    return null;
  }
}
