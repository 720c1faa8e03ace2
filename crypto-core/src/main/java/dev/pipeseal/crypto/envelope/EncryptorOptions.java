package dev.pipeseal.crypto.envelope;

/**
 * How an {@link EnvelopeEncryptor} chooses among equivalent encodings; readers need none of it.
 *
 * @param segmentThreshold plaintexts longer than this many bytes are written as {@link
 *     Algorithm#XAES_256_GCM_SEGMENTED} when the encryptor's algorithm is {@link
 *     Algorithm#XAES_256_GCM}
 * @param messagesPerNoncePrefix messages a writer stream seals under one random nonce prefix (one
 *     derived subkey) before drawing a new one; at most 2^32, the range of its counter
 */
public record EncryptorOptions(int segmentThreshold, long messagesPerNoncePrefix) {
  /** 64 KiB threshold, a fresh prefix every 2^32 messages. */
  public static final EncryptorOptions DEFAULTS = new EncryptorOptions(64 * 1024, 1L << 32);

  public EncryptorOptions {
    if (segmentThreshold < 0) {
      throw new IllegalArgumentException("segmentThreshold must be >= 0: " + segmentThreshold);
    }
    if (messagesPerNoncePrefix < 1 || messagesPerNoncePrefix > (1L << 32)) {
      throw new IllegalArgumentException(
          "messagesPerNoncePrefix must be in [1, 2^32]: " + messagesPerNoncePrefix);
    }
  }
}
