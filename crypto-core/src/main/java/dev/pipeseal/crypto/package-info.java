/**
 * Pipeseal's cryptographic core: the typed errors every layer above raises when a ciphertext, key
 * or format cannot be trusted. Subpackages own the key handle ({@code key}), the AEAD and
 * deterministic primitives ({@code aead}) and the versioned envelope format ({@code envelope}).
 *
 * <p>The core never logs and never touches a file system; it sees keys only as {@link
 * dev.pipeseal.crypto.key.DataKey} handles.
 */
package dev.pipeseal.crypto;
