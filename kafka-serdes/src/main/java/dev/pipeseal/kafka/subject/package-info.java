/**
 * Per-subject keys on Kafka (crypto-shredding): where a serializer finds each record's data subject
 * ({@code pipeseal.subject}: the record key, a header, or a JSON pointer into the value), the
 * producer interceptor that hands the record key to the value serializer, and the writer that seals
 * each value under its subject's key from the shared key registry.
 */
package dev.pipeseal.kafka.subject;
