/**
 * What a serializer or deserializer owns: its lease on the JVM's shared KMS bridge and either the
 * envelope writer that encrypts records (rotating DEKs, or the fixed deterministic DEK) or the
 * envelope reader that decrypts them (open keys, last-header fast path).
 */
package dev.pipeseal.kafka.keys;
