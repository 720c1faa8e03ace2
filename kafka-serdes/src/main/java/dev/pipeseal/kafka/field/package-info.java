/**
 * Field-level encryption: selected fields of JSON values (by JSON pointer) and of Avro {@code
 * GenericRecord} values become envelopes while the rest of the value stays readable. Jackson and
 * Avro are optional: each is loaded only when its mode is configured.
 */
package dev.pipeseal.kafka.field;
