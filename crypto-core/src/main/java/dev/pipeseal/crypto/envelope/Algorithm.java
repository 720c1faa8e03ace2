package dev.pipeseal.crypto.envelope;

/** Byte 1 of an envelope v1: how the body was sealed. Ids are fixed forever once released. */
public enum Algorithm {
  /** XAES-256-GCM with a 24-byte nonce; randomized. Body: nonce(24) || ciphertext || tag(16). */
  XAES_256_GCM(0x01, "XAES-256-GCM"),
  /** AES-SIV (RFC 5297) with a 512-bit key derived by HKDF-SHA256; deterministic. */
  AES_SIV(0x02, "AES-SIV"),
  /** XAES-256-GCM in fixed-size segments, for large values; randomized. */
  XAES_256_GCM_SEGMENTED(0x03, "XAES-256-GCM-segmented");

  private final int id;
  private final String displayName;

  Algorithm(int id, String displayName) {
    this.id = id;
    this.displayName = displayName;
  }

  /** The byte written into the envelope. */
  public int id() {
    return id;
  }

  /** True for algorithms whose equal plaintexts give equal envelopes. */
  public boolean isDeterministic() {
    return this == AES_SIV;
  }

  /** The algorithm with {@code id}, or null. */
  static Algorithm forId(int id) {
    for (Algorithm a : values()) {
      if (a.id == id) {
        return a;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return displayName;
  }
}
