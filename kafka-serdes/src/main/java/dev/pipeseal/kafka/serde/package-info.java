/**
 * Kafka {@code Serializer}, {@code Deserializer} and {@code Serde} that wrap any inner one and
 * encrypt record keys or values (whole, or selected fields) into Pipeseal envelopes v1, the format
 * the Spark connector reads, with the AAD conventions of {@link
 * dev.pipeseal.kafka.serde.RecordContexts} and the marker header of {@link
 * dev.pipeseal.kafka.serde.EncryptionHeaders}.
 */
package dev.pipeseal.kafka.serde;
