/**
 * Owns plaintext key material. {@link dev.pipeseal.crypto.key.DataKey} is the only class that holds
 * DEK bytes; everything else gets reference-counted handles, and the bytes are zeroed when the last
 * handle closes.
 */
package dev.pipeseal.crypto.key;
