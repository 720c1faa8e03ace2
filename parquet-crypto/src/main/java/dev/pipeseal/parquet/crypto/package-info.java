/**
 * The policy-driven Parquet crypto factory: resolves an {@code EncryptionPolicy} against each
 * file's schema, lets Parquet's key tools do the (double) wrapping through the bridge-backed {@code
 * KmsClient}, and binds every file to its table through the AAD prefix.
 */
package dev.pipeseal.parquet.crypto;
