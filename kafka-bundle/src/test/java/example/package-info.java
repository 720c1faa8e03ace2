/**
 * Kafka client programs as a user writes them: Kafka's client API only, Pipeseal configured by
 * properties alone. Run in child JVMs whose class path is kafka-clients and the bundle.
 */
package example;
