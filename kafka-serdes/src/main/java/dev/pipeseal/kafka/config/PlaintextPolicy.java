package dev.pipeseal.kafka.config;

/** What a deserializer does with a record (or field) that is not encrypted. */
public enum PlaintextPolicy {
  /** Refuse it: the consumer fails on that record (the default). */
  REJECT,
  /**
   * Pass it through, but only when it is not shaped like an envelope and the record carries no
   * encryption marker header: for migrating a topic that still holds records written before
   * encryption was switched on.
   */
  ACCEPT
}
