/**
 * AEAD primitives in the style of Tink's {@code Aead}/{@code DeterministicAead}: small, thread-safe
 * handles built from a {@link dev.pipeseal.crypto.key.DataKey}.
 */
package dev.pipeseal.crypto.aead;
