/**
 * Kafka Connect plugins that write and read Pipeseal envelopes: the {@code EncryptField} / {@code
 * DecryptField} transformations (whole keys and values, or selected fields of {@code Struct} and
 * {@code Map} values) and the {@code EncryptingConverter} / {@code DecryptingConverter} that wrap
 * any converter so that records on the topic are exactly what {@code EncryptingSerializer} writes.
 * Settings are the {@code pipeseal.*} names of {@code docs/kafka.md}; {@code docs/kafka-connect.md}
 * has the tables.
 */
package dev.pipeseal.kafka.connect;
