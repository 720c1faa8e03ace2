package dev.pipeseal.spark.keys;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Alias files on a Hadoop file system: publish is a rename, which HDFS refuses when the target
 * exists (on S3 a rename is a copy: see the registry's caveat in docs/format.md).
 */
final class HadoopAliasStore implements DeterministicAliases.AliasStore {
  private final Path root;
  private final FileSystem fs;

  HadoopAliasStore(URI root) {
    this.root = new Path(root);
    try {
      this.fs = FileSystem.get(root, hadoopConf());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot open file system of " + root, e);
    }
  }

  private static Configuration hadoopConf() {
    return SparkSession.getActiveSession().isDefined()
        ? SparkSession.getActiveSession().get().sparkContext().hadoopConfiguration()
        : new Configuration();
  }

  @Override
  public Optional<String> read(String name) throws IOException {
    Path p = new Path(root, name);
    if (!fs.exists(p)) {
      return Optional.empty();
    }
    try (InputStream in = fs.open(p)) {
      return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Override
  public String publishIfAbsent(String name, String content) throws IOException {
    Path target = new Path(root, name);
    Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID());
    try (FSDataOutputStream out = fs.create(tmp, false)) {
      out.write(DeterministicAliases.utf8(content));
      out.hsync();
    }
    try {
      if (fs.rename(tmp, target)) {
        return content;
      }
      return read(name).orElseThrow(() -> new IOException("cannot publish alias " + target));
    } finally {
      fs.delete(tmp, false);
    }
  }
}
