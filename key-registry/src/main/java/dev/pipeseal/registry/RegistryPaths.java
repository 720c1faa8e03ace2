package dev.pipeseal.registry;

import dev.pipeseal.kms.registry.KeyId;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The registry's file names, for stores outside this package: a store that is not a directory (the
 * Kafka topic store) names its entries by the paths a directory store would use, so one layout is
 * documented once ({@code docs/format.md}, "Key registry").
 */
public final class RegistryPaths {
  /** One generation of one key id. */
  public record Generation(KeyId id, long generation) {}

  private RegistryPaths() {}

  /** {@code keys/<first two hex digits>/<16 hex digits>/<generation>.json}. */
  public static String generationFile(KeyId id, long generation) {
    return idDirectory(id) + "/" + RegistryLayout.generationFile(generation);
  }

  /** {@code keys/<first two hex digits>/<16 hex digits>}, the parent of every generation file. */
  public static String idDirectory(KeyId id) {
    return RegistryLayout.KEYS + "/" + RegistryLayout.shard(id) + "/" + id.hex();
  }

  /**
   * {@code aliases/<name>.id}.
   *
   * @throws IllegalArgumentException if {@code name} is not /-separated segments of {@code A-Z a-z
   *     0-9 . _ -}
   */
  public static String aliasFile(String name) {
    return RegistryLayout.aliasFile(name);
  }

  /** The id and generation a generation file path names, or empty for any other path. */
  public static Optional<Generation> parseGenerationFile(String path) {
    String[] parts = path.split("/", -1);
    if (parts.length != 4 || !parts[0].equals(RegistryLayout.KEYS)) {
      return Optional.empty();
    }
    KeyId id = RegistryLayout.parseId(parts[2]);
    OptionalLong generation = RegistryLayout.parseGeneration(parts[3]);
    if (id == null || generation.isEmpty() || !RegistryLayout.shard(id).equals(parts[1])) {
      return Optional.empty();
    }
    return Optional.of(new Generation(id, generation.getAsLong()));
  }
}
