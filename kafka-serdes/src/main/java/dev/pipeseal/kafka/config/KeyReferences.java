package dev.pipeseal.kafka.config;

/** How a randomized writer's envelopes name their data key ({@code pipeseal.key-references}). */
public enum KeyReferences {
  /**
   * The wrapped DEK travels in every record (about 190 bytes with the local provider); readers need
   * only the KMS.
   */
  INLINE,
  /**
   * An 8-byte key registry id; the wrapped DEK is registered once per DEK, before the first record
   * that names it. Readers need the KMS and the same registry.
   */
  REGISTRY
}
