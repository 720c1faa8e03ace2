/**
 * Parquet's {@code KmsClient} on the Pipeseal KMS bridge: one shared bridge per JVM and
 * configuration, and the versioned wrapped-key string Parquet stores in key material.
 */
package dev.pipeseal.parquet.kms;
