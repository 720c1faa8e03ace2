/**
 * Assembly: {@link dev.pipeseal.kms.bridge.KmsBridgeConfig}, the one immutable configuration of the
 * KMS bridge parsed from {@code pipeseal.kms.*} properties, and {@link
 * dev.pipeseal.kms.bridge.KmsBridge}, which opens the provider and layers resilience, the KEK
 * hierarchy, caching, metrics and audit over it in one documented order. Connectors (Spark, Kafka,
 * Parquet) use only this package.
 */
package dev.pipeseal.kms.bridge;
