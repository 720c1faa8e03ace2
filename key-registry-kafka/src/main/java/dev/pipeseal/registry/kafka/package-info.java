/**
 * The key registry store on a compacted Kafka topic ({@code kafka:TOPIC}), so that Kafka producers
 * and consumers using registry key references need only the broker they already reach, as Schema
 * Registry keeps its schemas in {@code _schemas}.
 *
 * <p>Owns the topic's record layout (key: the path a directory store would use plus a claim nonce;
 * value: the same record file bytes), the create-if-absent protocol on a log ("write a claim, read
 * back to the end, the first live claim wins"), the reader's catch-up to the end offset on a miss,
 * and the topic checks (one partition, {@code cleanup.policy=compact}). Found through {@link
 * dev.pipeseal.registry.RegistryStoreProvider}; kept out of {@code pipeseal-key-registry} so a
 * file-system registry never drags kafka-clients and a Kafka client never gets Hadoop. Documented
 * in {@code docs/kafka.md} ("Registry on a compacted topic") and {@code docs/format.md}.
 */
package dev.pipeseal.registry.kafka;
