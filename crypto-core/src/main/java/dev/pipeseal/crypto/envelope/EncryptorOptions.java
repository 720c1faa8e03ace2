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
 */
public record EncryptorOptions(
    int segmentThreshold, int segmentBytes, long messagesPerNoncePrefix) {
  /** Segment values above 64 KiB into 16 KiB segments, a fresh prefix every 2^32 messages. */
  public static final EncryptorOptions DEFAULTS =
      new EncryptorOptions(64 * 1024, Envelope.DEFAULT_SEGMENT_BYTES, 1L << 32);

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
  }
}
