/**
 * Where envelopes meet keys: turning a wrapped key into the key reference an envelope carries
 * (inline, or a registry id) and back, and the per-task reader that decrypts envelopes under
 * whatever keys they name. Connectors (Spark, Kafka) use this package instead of the KMS directly.
 */
package dev.pipeseal.envelope;
