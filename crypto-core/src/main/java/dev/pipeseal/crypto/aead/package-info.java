/**
 * AEAD primitives in the style of Tink's {@code Aead}/{@code DeterministicAead}: small, thread-safe
 * handles built from a {@link dev.pipeseal.crypto.key.DataKey} or from derived key bytes.
 *
 * <p>Owns: random-nonce AES-256-GCM for key wrapping ({@link
 * dev.pipeseal.crypto.aead.RandomNonceGcm}), the AES-256-GCM layer with caller-managed nonces
 * ({@link dev.pipeseal.crypto.aead.CallerNonceGcm}), XAES-256-GCM ({@link
 * dev.pipeseal.crypto.aead.XaesGcm}) and AES-SIV ({@link dev.pipeseal.crypto.aead.AesSiv}). Each is
 * pinned by the Wycheproof or specification vectors in the tests. Also the optional native backend
 * of the AES-256-GCM layer ({@code NativeGcm}: libsodium over JNI, from {@code src/main/c}), which
 * gives the same bytes. Envelope framing and nonce policy live in {@code envelope}, not here.
 */
package dev.pipeseal.crypto.aead;
