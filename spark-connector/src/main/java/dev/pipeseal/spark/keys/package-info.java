/**
 * Data keys for Spark: the driver resolves a master key name to a key reference once per session
 * (randomized) or once and for all (deterministic), and every executor JVM keeps one KMS bridge and
 * key registry per configuration to unwrap them. Only references and wrapped keys travel.
 */
package dev.pipeseal.spark.keys;
