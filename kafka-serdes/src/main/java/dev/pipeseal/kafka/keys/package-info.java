/**
 * The keys a serializer or deserializer owns: its KMS bridge connection, the envelope writer that
 * encrypts records (rotating DEKs, or the fixed deterministic DEK), and the per-key decryptor cache
 * that reads them back without a map lookup or copy per record.
 */
package dev.pipeseal.kafka.keys;
