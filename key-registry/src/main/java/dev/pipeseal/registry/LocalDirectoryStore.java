package dev.pipeseal.registry;

import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.storage.AtomicFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Registry files in a local (or locally mounted POSIX) directory, with plain {@code java.nio}.
 *
 * <p>Publishing writes a temporary file, forces it to disk, then hard-links it to its final name:
 * {@code link(2)} fails if the name exists, so it is an atomic create-if-absent that never
 * overwrites (a rename would silently replace a racing writer's file). The directory is forced too,
 * so the new name survives a crash.
 */
final class LocalDirectoryStore implements RegistryStore {
  private final Path root;
  private final Path keys;
  private final AtomicFile.PublishHook hook;

  LocalDirectoryStore(Path root) {
    this(root, t -> {});
  }

  LocalDirectoryStore(Path root, AtomicFile.PublishHook hook) {
    this.root = root.toAbsolutePath().normalize();
    this.keys = this.root.resolve(RegistryLayout.KEYS);
    this.hook = Objects.requireNonNull(hook, "hook");
  }

  @Override
  public String location() {
    return root.toString();
  }

  private Path dir(KeyId id) {
    return keys.resolve(RegistryLayout.shard(id)).resolve(id.hex());
  }

  @Override
  public boolean createIfAbsent(KeyId id, long generation, byte[] content) throws IOException {
    return publishIfAbsent(dir(id), RegistryLayout.generationFile(generation), content);
  }

  @Override
  public boolean createAliasIfAbsent(String name, byte[] content) throws IOException {
    Path target = root.resolve(RegistryLayout.aliasFile(name));
    return publishIfAbsent(target.getParent(), target.getFileName().toString(), content);
  }

  @Override
  public Optional<byte[]> readAlias(String name) throws IOException {
    try {
      return Optional.of(Files.readAllBytes(root.resolve(RegistryLayout.aliasFile(name))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private boolean publishIfAbsent(Path dir, String fileName, byte[] content) throws IOException {
    return AtomicFile.createIfAbsent(
        dir.resolve(fileName), RegistryLayout.temporaryFile(fileName), content, hook);
  }

  @Override
  public List<Long> generations(KeyId id) throws IOException {
    List<Long> out = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir(id))) {
      for (Path p : entries) {
        OptionalLong g = RegistryLayout.parseGeneration(p.getFileName().toString());
        if (g.isPresent()) {
          out.add(g.getAsLong());
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    out.sort(null);
    return out;
  }

  @Override
  public Optional<byte[]> read(KeyId id, long generation) throws IOException {
    try {
      return Optional.of(
          Files.readAllBytes(dir(id).resolve(RegistryLayout.generationFile(generation))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public void delete(KeyId id, long generation) throws IOException {
    Files.deleteIfExists(dir(id).resolve(RegistryLayout.generationFile(generation)));
  }

  @Override
  public Stream<KeyId> ids() throws IOException {
    if (!Files.isDirectory(keys)) {
      return Stream.empty();
    }
    List<KeyId> out = new ArrayList<>();
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(keys)) {
      for (Path shard : shards) {
        if (!Files.isDirectory(shard)) {
          continue;
        }
        try (DirectoryStream<Path> ids = Files.newDirectoryStream(shard)) {
          for (Path p : ids) {
            KeyId id = RegistryLayout.parseId(p.getFileName().toString());
            if (id != null && RegistryLayout.shard(id).equals(shard.getFileName().toString())) {
              out.add(id);
            }
          }
        }
      }
    }
    return out.stream();
  }

  @Override
  public List<String> listFiles(String dir) throws IOException {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root.resolve(dir))) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (!name.startsWith(RegistryLayout.TEMP_PREFIX) && Files.isRegularFile(p)) {
          out.add(name);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    out.sort(null);
    return out;
  }

  @Override
  public Optional<byte[]> readFile(String path) throws IOException {
    try {
      return Optional.of(Files.readAllBytes(root.resolve(path)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean createFileIfAbsent(String path, byte[] content) throws IOException {
    Path target = root.resolve(path);
    return publishIfAbsent(target.getParent(), target.getFileName().toString(), content);
  }

  @Override
  public void deleteFile(String path) throws IOException {
    Files.deleteIfExists(root.resolve(path));
  }

  @Override
  public int removeStaleTemporaries(Duration olderThan) throws IOException {
    if (!Files.isDirectory(keys)) {
      return 0;
    }
    // By hand rather than Files.walk: writers publish (rename away) temporaries while this runs,
    // and a walk fails on an entry that vanishes between its listing and its attributes.
    return removeStaleTemporaries(keys, 3, Instant.now().minus(olderThan));
  }

  private static int removeStaleTemporaries(Path dir, int depth, Instant cutoff)
      throws IOException {
    int removed = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        try {
          if (depth > 1 && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            removed += removeStaleTemporaries(p, depth - 1, cutoff);
          } else if (RegistryLayout.isTemporary(p.getFileName().toString())
              && Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)
              && Files.deleteIfExists(p)) {
            removed++;
          }
        } catch (NoSuchFileException e) {
          // Published or compacted away since the listing: nothing to remove.
        }
      }
    } catch (NoSuchFileException e) {
      return removed; // the directory itself went (compaction of a whole id)
    }
    return removed;
  }

  @Override
  public void close() {}
}
