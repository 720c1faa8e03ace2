package dev.pipeseal.registry;

import dev.pipeseal.kms.registry.KeyId;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where record generation files live. Implementations publish each file complete or not at all, and
 * never overwrite one: that is what makes concurrent registries on one directory safe.
 */
public interface RegistryStore extends AutoCloseable {
  /** Human-readable location for messages, e.g. a path or URI. */
  String location();

  /**
   * Durably writes generation {@code generation} of {@code id} if it does not exist yet.
   *
   * @return false if that generation already exists (nothing written)
   */
  boolean createIfAbsent(KeyId id, long generation, byte[] content) throws IOException;

  /**
   * Durably writes the alias file {@code name} unless it exists (same guarantee as {@link
   * #createIfAbsent}).
   *
   * @return false if the alias already exists (nothing written)
   */
  boolean createAliasIfAbsent(String name, byte[] content) throws IOException;

  /** Content of the alias file {@code name}, or empty if it does not exist. */
  Optional<byte[]> readAlias(String name) throws IOException;

  /** The published generations of {@code id}, ascending; empty if the id is unknown. */
  List<Long> generations(KeyId id) throws IOException;

  /** Content of one generation; empty if it does not exist (e.g. compacted meanwhile). */
  Optional<byte[]> read(KeyId id, long generation) throws IOException;

  /** Removes one generation; no-op if absent. */
  void delete(KeyId id, long generation) throws IOException;

  /** Every id with at least one published generation, in no particular order. */
  Stream<KeyId> ids() throws IOException;

  /**
   * Names of the published files directly in {@code dir} (a {@code /}-separated path below the
   * registry root), without temporaries; empty if the directory does not exist. Used by the subject
   * key area, whose files are immutable segments with unique names.
   */
  List<String> listFiles(String dir) throws IOException;

  /** Content of the file {@code path} below the root, or empty if it does not exist. */
  Optional<byte[]> readFile(String path) throws IOException;

  /**
   * Durably publishes {@code path} below the root, complete or not at all, unless it exists (same
   * guarantee as {@link #createIfAbsent}).
   *
   * @return false if the file already exists (nothing written)
   */
  boolean createFileIfAbsent(String path, byte[] content) throws IOException;

  /** Removes the file {@code path} below the root; no-op if absent. */
  void deleteFile(String path) throws IOException;

  /** Removes temporary files of writers that died before publishing, older than the threshold. */
  int removeStaleTemporaries(java.time.Duration olderThan) throws IOException;

  @Override
  void close() throws IOException;
}
