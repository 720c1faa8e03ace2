package dev.pipeseal.envelope;

import dev.pipeseal.crypto.envelope.EnvelopeContext;

/**
 * Seals values into envelopes v1 under a data key it manages. Thread-safe; close it to release its
 * keys.
 */
public interface EnvelopeWriter extends AutoCloseable {
  /** Encrypts {@code in[off, off+len)} into a new envelope bound to {@code context}. */
  byte[] encrypt(byte[] in, int off, int len, EnvelopeContext context);

  /** Encrypts a whole array. */
  default byte[] encrypt(byte[] plaintext, EnvelopeContext context) {
    return encrypt(plaintext, 0, plaintext.length, context);
  }

  /** Values encrypted so far by this writer (for metrics; read from counters kept anyway). */
  long valuesEncrypted();

  @Override
  void close();
}
