/**
 * Owns the batch cipher API: encrypting and decrypting many envelopes per call (Arrow-style
 * columns, {@code byte[][]}, float and double vectors, large blobs) with cipher state built once
 * per thread and key usage counted once per batch. The envelope bytes are exactly those of {@code
 * envelope}; this package adds bulk layouts, not a format.
 */
package dev.pipeseal.crypto.batch;
