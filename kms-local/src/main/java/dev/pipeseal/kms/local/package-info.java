/**
 * The local key store provider: master keys as versioned AES-256 entries in a password-protected
 * PKCS#12 file ({@code local:} URIs), for development, tests, quick starts and single-host jobs.
 */
package dev.pipeseal.kms.local;
