/** The Kafka bundle used as a Kafka user uses it: on a client's class path, nothing else. */
package dev.pipeseal.kafka.bundle;
