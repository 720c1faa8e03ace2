/**
 * Typed-value encoding v1: the plaintext inside a Spark envelope is a one-byte type tag followed by
 * the value, so decryption can check it restores the type that was encrypted (see docs/spark.md).
 */
package dev.pipeseal.spark.values;
