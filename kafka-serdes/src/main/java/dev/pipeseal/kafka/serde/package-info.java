/**
 * Kafka {@code Serializer}, {@code Deserializer} and {@code Serde} that wrap any inner one and
 * encrypt record keys or values (whole, or selected fields) into Pipeseal envelopes, the format the
 * Spark connector reads, with the AAD conventions of {@link
 * dev.pipeseal.kafka.serde.RecordContexts} and, where enabled, the marker header of {@link
 * dev.pipeseal.kafka.serde.EncryptionHeaders}. The {@code Monitorable*} subclasses add Kafka plugin
 * metrics (KIP-877) for clients that have them; the plain classes never reference that API.
 */
package dev.pipeseal.kafka.serde;
