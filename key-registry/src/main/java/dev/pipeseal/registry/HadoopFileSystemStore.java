package dev.pipeseal.registry;

import dev.pipeseal.kms.registry.KeyId;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Registry files on a Hadoop {@code FileSystem} (HDFS, S3A, ABFS, or {@code file:} in tests). Only
 * {@link KeyRegistries} instantiates it, by reflection, so Hadoop stays optional.
 *
 * <p>Publishing writes and {@code hsync}s a temporary file, then renames it to its final name. On
 * HDFS {@code rename} is atomic and refuses to replace an existing file, which gives
 * create-if-absent. On the local file system Hadoop's rename would overwrite, so this store
 * hard-links instead, as {@link LocalDirectoryStore} does. On S3 a rename is a copy and a delete,
 * not atomic: concurrent writers of the same generation can race there (see docs/format.md).
 */
final class HadoopFileSystemStore implements RegistryStore {
  private final URI uri;
  private final FileSystem fs;
  private final Path root;
  private final Path keys;

  HadoopFileSystemStore(URI uri) throws IOException {
    this(uri, new Configuration());
  }

  HadoopFileSystemStore(URI uri, Configuration conf) throws IOException {
    this.uri = uri;
    FileSystem fileSystem = FileSystem.newInstance(uri, conf);
    // The checksummed local file system writes .crc side files and cannot link; use the raw one.
    this.fs = fileSystem instanceof LocalFileSystem local ? local.getRaw() : fileSystem;
    this.root = new Path(uri);
    this.keys = new Path(root, RegistryLayout.KEYS);
  }

  @Override
  public String location() {
    return uri.toString();
  }

  private Path dir(KeyId id) {
    return new Path(new Path(keys, RegistryLayout.shard(id)), id.hex());
  }

  @Override
  public boolean createIfAbsent(KeyId id, long generation, byte[] content) throws IOException {
    return publishIfAbsent(dir(id), RegistryLayout.generationFile(generation), content);
  }

  @Override
  public boolean createAliasIfAbsent(String name, byte[] content) throws IOException {
    Path target = new Path(root, RegistryLayout.aliasFile(name));
    return publishIfAbsent(target.getParent(), target.getName(), content);
  }

  @Override
  public Optional<byte[]> readAlias(String name) throws IOException {
    return readFile(new Path(root, RegistryLayout.aliasFile(name)));
  }

  private boolean publishIfAbsent(Path dir, String fileName, byte[] content) throws IOException {
    return HadoopAtomicFiles.createIfAbsent(
        fs,
        new Path(dir, RegistryLayout.temporaryFile(fileName)),
        new Path(dir, fileName),
        content);
  }

  private Optional<byte[]> readFile(Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(512);
      in.transferTo(out);
      return Optional.of(out.toByteArray());
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
  }

  @Override
  public List<Long> generations(KeyId id) throws IOException {
    List<Long> out = new ArrayList<>();
    for (FileStatus s : list(dir(id))) {
      OptionalLong g = RegistryLayout.parseGeneration(s.getPath().getName());
      if (g.isPresent() && s.isFile()) {
        out.add(g.getAsLong());
      }
    }
    out.sort(null);
    return out;
  }

  @Override
  public Optional<byte[]> read(KeyId id, long generation) throws IOException {
    return readFile(new Path(dir(id), RegistryLayout.generationFile(generation)));
  }

  @Override
  public void delete(KeyId id, long generation) throws IOException {
    fs.delete(new Path(dir(id), RegistryLayout.generationFile(generation)), false);
  }

  @Override
  public Stream<KeyId> ids() throws IOException {
    List<KeyId> out = new ArrayList<>();
    for (FileStatus shard : list(keys)) {
      if (!shard.isDirectory()) {
        continue;
      }
      for (FileStatus s : list(shard.getPath())) {
        KeyId id = RegistryLayout.parseId(s.getPath().getName());
        if (id != null && s.isDirectory()) {
          out.add(id);
        }
      }
    }
    return out.stream();
  }

  @Override
  public List<String> listFiles(String dir) throws IOException {
    List<String> out = new ArrayList<>();
    for (FileStatus s : list(new Path(root, dir))) {
      String name = s.getPath().getName();
      if (s.isFile() && !name.startsWith(RegistryLayout.TEMP_PREFIX)) {
        out.add(name);
      }
    }
    out.sort(null);
    return out;
  }

  @Override
  public Optional<byte[]> readFile(String path) throws IOException {
    return readFile(new Path(root, path));
  }

  @Override
  public boolean createFileIfAbsent(String path, byte[] content) throws IOException {
    Path target = new Path(root, path);
    return publishIfAbsent(target.getParent(), target.getName(), content);
  }

  @Override
  public void deleteFile(String path) throws IOException {
    fs.delete(new Path(root, path), false);
  }

  @Override
  public int removeStaleTemporaries(Duration olderThan) throws IOException {
    long cutoff = Instant.now().minus(olderThan).toEpochMilli();
    int removed = 0;
    for (FileStatus shard : list(keys)) {
      for (FileStatus idDir : shard.isDirectory() ? list(shard.getPath()) : new FileStatus[0]) {
        for (FileStatus f : idDir.isDirectory() ? list(idDir.getPath()) : new FileStatus[0]) {
          if (RegistryLayout.isTemporary(f.getPath().getName())
              && f.getModificationTime() < cutoff
              && fs.delete(f.getPath(), false)) {
            removed++;
          }
        }
      }
    }
    return removed;
  }

  private FileStatus[] list(Path dir) throws IOException {
    try {
      return fs.listStatus(dir);
    } catch (FileNotFoundException e) {
      return new FileStatus[0];
    }
  }

  @Override
  public void close() throws IOException {
    fs.close();
  }
}
