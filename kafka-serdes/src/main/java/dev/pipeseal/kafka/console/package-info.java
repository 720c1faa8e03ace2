/**
 * Integration with the stock Kafka console tools: a line reader that lets {@code
 * kafka-console-producer.sh} (which forces byte-array serializers on its producer) encrypt records
 * with {@code --property} settings only.
 */
package dev.pipeseal.kafka.console;
