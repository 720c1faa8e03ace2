/** What a Kafka client's classpath gets from the serdes, checked in a child JVM. */
package dev.pipeseal.kafka.classpath;
