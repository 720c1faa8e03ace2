/** Test fixtures: a KRaft broker in the test JVM and key stores configured through properties. */
package dev.pipeseal.kafka.testing;
