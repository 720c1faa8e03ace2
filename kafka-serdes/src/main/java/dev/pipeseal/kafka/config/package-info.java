/**
 * Configuration of the Kafka serializers, deserializers and serdes: one immutable record parsed in
 * one place from the Kafka client properties under {@code pipeseal.}, with per-side overrides under
 * {@code pipeseal.key.} and {@code pipeseal.value.}.
 */
package dev.pipeseal.kafka.config;
