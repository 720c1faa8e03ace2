/**
 * The post-quantum public-key provider ({@code hybrid:} URIs): DEKs (or, through the bridge's KEK
 * layer, KEKs) wrapped to recipient public keys with the X-Wing hybrid KEM (ML-KEM-768 and X25519),
 * one stanza per recipient, so write-only producers can encrypt without being able to decrypt.
 * Recipient private keys live in a password-protected PKCS#12 file where readers and admins run.
 * See {@code docs/pq.md} and {@code docs/format.md}.
 */
package dev.pipeseal.kms.pq;
