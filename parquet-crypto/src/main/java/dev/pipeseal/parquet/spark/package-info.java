/**
 * Spark settings for encrypted Parquet: the write and read options (or session settings) that
 * switch on the Pipeseal crypto factory and its KMS bridge. Spark itself is provided by the host.
 */
package dev.pipeseal.parquet.spark;
