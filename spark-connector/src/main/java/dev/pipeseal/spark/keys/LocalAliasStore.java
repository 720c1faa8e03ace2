package dev.pipeseal.spark.keys;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;

/** Alias files on a local directory: publish is a hard link, which fails if the name exists. */
final class LocalAliasStore implements DeterministicAliases.AliasStore {
  private final Path root;

  LocalAliasStore(URI root) {
    this.root = Path.of(root);
  }

  @Override
  public Optional<String> read(String name) throws IOException {
    try {
      return Optional.of(Files.readString(root.resolve(name), StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public String publishIfAbsent(String name, String content) throws IOException {
    Path target = root.resolve(name);
    Files.createDirectories(target.getParent());
    Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(DeterministicAliases.utf8(content)));
      ch.force(true);
    }
    try {
      Files.createLink(target, tmp);
      return content;
    } catch (FileAlreadyExistsException e) {
      return Files.readString(target, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
