/**
 * The Google Cloud KMS provider ({@code gcp-kms}, URIs {@code
 * gcp-kms://projects/P/locations/L/keyRings/R/cryptoKeys/K}): DEKs generated locally and encrypted
 * with the key's primary version (CRC32C-checked both ways, bound to the wrapped key's context as
 * additional authenticated data), decrypt, rewrap to the primary version, describe, and key
 * rotation, over Cloud KMS's REST API v1 with Application Default Credentials. Talks plain REST
 * through {@code dev.pipeseal.kms.rest}; see {@code docs/gcp-kms.md}.
 */
package dev.pipeseal.kms.gcp;
