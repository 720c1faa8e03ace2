/**
 * The KMS provider SPI: the small, asynchronous contract every key source (local key store, Hadoop
 * KMS, PKCS#11 HSM) implements, the records it exchanges, and its typed errors. Providers are found
 * by URI through {@link java.util.ServiceLoader} ({@link dev.pipeseal.kms.KmsService}). Connectors
 * never talk to a KMS directly; they go through this package and the key hierarchy built on it.
 */
package dev.pipeseal.kms;
