package dev.pipeseal.kms.registry;

import dev.pipeseal.kms.WrappedKey;
import java.time.Instant;
import java.util.Objects;

/**
 * One generation of a registry entry. Generation 1 is written by {@link KeyRegistry#register}; each
 * rewrap writes the next generation of the same id with the same DEK wrapped anew.
 *
 * @param id the key id
 * @param generation 1 for the first record, incremented by each replacement
 * @param created when generation 1 was written (kept across rewraps)
 * @param written when this generation was written
 * @param wrapped the wrapped DEK
 */
public record RegistryRecord(
    KeyId id, long generation, Instant created, Instant written, WrappedKey wrapped) {
  public RegistryRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(written, "written");
    Objects.requireNonNull(wrapped, "wrapped");
    if (generation < 1) {
      throw new IllegalArgumentException("generation must be >= 1: " + generation);
    }
  }
}
