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

  EnvelopeHeader(int version, Algorithm algorithm, KeyReference keyReference, byte[] bytes) {
    this.version = version;
    this.algorithm = algorithm;
    this.keyReference = keyReference;
    this.bytes = bytes;
  }

  /** Format version (byte 0); always {@link Envelope#VERSION_1} today. */
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

  /** The header as written, which is the first part of the associated data. */
  byte[] rawBytes() {
    return bytes;
  }

  @Override
  public String toString() {
    return "EnvelopeHeader[v" + version + ", " + algorithm + ", " + keyReference + "]";
  }
}
