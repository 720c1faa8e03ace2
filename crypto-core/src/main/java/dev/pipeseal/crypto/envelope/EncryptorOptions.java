package dev.pipeseal.crypto.envelope;

/**
 * How an {@link EnvelopeEncryptor} chooses among equivalent encodings; readers need none of it.
 *
 * @param segmentThreshold plaintexts longer than this many bytes are written as {@link
 *     Algorithm#XAES_256_GCM_SEGMENTED} when the encryptor's algorithm is {@link
 *     Algorithm#XAES_256_GCM}
 * @param segmentBytes plaintext bytes per segment of a segmented value: a power of two from 4 KiB
 *     to 1 MiB (recorded in each value, so readers follow any choice)
 * @param messagesPerNoncePrefix messages a writer stream seals under one random nonce prefix (one
 *     derived subkey) before drawing a new one; at most 2^32, the range of its counter
 * @param formatVersion the envelope format version written: {@link Envelope#VERSION_1} (the header
 *     itself is authenticated with every value) or {@link Envelope#VERSION_2} (its SHA-256 digest
 *     is, which costs less per value when the header is long, as inline key references are);
 *     readers of earlier releases know only v1
 */
public record EncryptorOptions(
    int segmentThreshold, int segmentBytes, long messagesPerNoncePrefix, int formatVersion) {
  /**
   * Segment values above 64 KiB into 16 KiB segments, a fresh prefix every 2^32 messages, format
   * v1.
   */
  public static final EncryptorOptions DEFAULTS =
      new EncryptorOptions(64 * 1024, Envelope.DEFAULT_SEGMENT_BYTES, 1L << 32);

  /** Writes format v1. */
  public EncryptorOptions(int segmentThreshold, int segmentBytes, long messagesPerNoncePrefix) {
    this(segmentThreshold, segmentBytes, messagesPerNoncePrefix, Envelope.VERSION_1);
  }

  public EncryptorOptions {
    if (segmentThreshold < 0) {
      throw new IllegalArgumentException("segmentThreshold must be >= 0: " + segmentThreshold);
    }
    if (Integer.bitCount(segmentBytes) != 1
        || segmentBytes < (1 << Envelope.MIN_SEGMENT_SHIFT)
        || segmentBytes > (1 << Envelope.MAX_SEGMENT_SHIFT)) {
      throw new IllegalArgumentException(
          "segmentBytes must be a power of two from 4 KiB to 1 MiB: " + segmentBytes);
    }
    if (messagesPerNoncePrefix < 1 || messagesPerNoncePrefix > (1L << 32)) {
      throw new IllegalArgumentException(
          "messagesPerNoncePrefix must be in [1, 2^32]: " + messagesPerNoncePrefix);
    }
    if (formatVersion != Envelope.VERSION_1 && formatVersion != Envelope.VERSION_2) {
      throw new IllegalArgumentException("formatVersion must be 1 or 2: " + formatVersion);
    }
  }

  /** These options writing format {@code version} (1 or 2). */
  public EncryptorOptions withFormatVersion(int version) {
    return new EncryptorOptions(segmentThreshold, segmentBytes, messagesPerNoncePrefix, version);
  }
}
