/**
 * Owns envelope format v1, the one binary layout shared by Spark cells and Kafka records: the
 * key-independent header (version, algorithm, key reference), the bodies of each algorithm, the
 * associated data that binds a value to its header and context, and the nonce strategy. Callers get
 * {@link dev.pipeseal.crypto.envelope.EnvelopeEncryptor} and {@link
 * dev.pipeseal.crypto.envelope.EnvelopeDecryptor} handles, never key bytes. The byte layout is
 * documented in {@code docs/format.md} and pinned by golden vectors in the tests.
 */
package dev.pipeseal.crypto.envelope;
