/**
 * Reading and writing flat JSON objects (string, number and boolean members) for wrapped-key
 * records, registry entries and audit lines, so the bridge needs no JSON library on a Kafka
 * client's classpath.
 */
package dev.pipeseal.kms.json;
