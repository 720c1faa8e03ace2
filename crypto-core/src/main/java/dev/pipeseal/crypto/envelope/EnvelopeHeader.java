package dev.pipeseal.crypto.envelope;

/**
 * The key-independent front of an envelope: version, algorithm and key reference. Connectors parse
 * it first to find the data key. Immutable.
 */
public final class EnvelopeHeader {
  private final int version;
  private final Algorithm algorithm;
  private final KeyReference keyReference;
  private final byte[] bytes;
  // What the associated data binds for this header (v2: a digest), computed on first use: readers
  // keep header objects across values, so a v2 header is hashed once, not per value.
  private volatile byte[] bound;

  EnvelopeHeader(int version, Algorithm algorithm, KeyReference keyReference, byte[] bytes) {
    this.version = version;
    this.algorithm = algorithm;
    this.keyReference = keyReference;
    this.bytes = bytes;
  }

  /** Format version (byte 0): {@link Envelope#VERSION_1} or {@link Envelope#VERSION_2}. */
  public int version() {
    return version;
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  public KeyReference keyReference() {
    return keyReference;
  }

  /** Header length in bytes: the body starts this many bytes after the envelope's first byte. */
  public int length() {
    return bytes.length;
  }

  /** The header as written. */
  byte[] rawBytes() {
    return bytes;
  }

  /** The first part of the associated data: the header (v1) or its digest (v2). */
  byte[] boundBytes() {
    byte[] b = bound;
    if (b == null) {
      b = Envelope.boundHeader(bytes);
      bound = b;
    }
    return b;
  }

  /** Whether {@code other} has the same bytes (so the same version, algorithm and reference). */
  public boolean sameBytes(EnvelopeHeader other) {
    return other == this || java.util.Arrays.equals(bytes, other.bytes);
  }

  @Override
  public String toString() {
    return "EnvelopeHeader[v" + version + ", " + algorithm + ", " + keyReference + "]";
  }
}
