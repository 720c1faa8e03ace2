/**
 * Test fixtures: a standalone Connect worker in the test JVM, a source connector emitting known
 * customer records, a sink connector collecting what it receives, and a KMS that can be switched
 * off.
 */
package dev.pipeseal.kafka.connect.testing;
