package dev.pipeseal.jobs.lake;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Small reads of local lake files without Hadoop's layers where those add nothing: a local file
 * without a checksum sidecar is read unchecked by Hadoop too, after several extra lookups (the
 * sidecar, the file's status, a directory check) and buffers per open, which cost more than the few
 * hundred bytes that rotation reads per file. Files with a sidecar, and every other file system, go
 * through Hadoop, so what is verified stays the same.
 */
final class LocalReads {
  private LocalReads() {}

  /**
   * The local file behind {@code p} when Hadoop would read it without a checksum (local, no
   * sidecar), else null: read it through {@code p}'s file system.
   */
  static java.nio.file.Path unchecked(Path p, Configuration conf) throws IOException {
    FileSystem fs = p.getFileSystem(conf);
    if (!(fs instanceof LocalFileSystem)) {
      return null;
    }
    // Paths the listing made are qualified already; building Hadoop paths (URI parsing and
    // normalization) cost more than the read itself.
    java.net.URI uri = p.toUri();
    java.nio.file.Path file;
    try {
      file = java.nio.file.Path.of(uri.getScheme() != null ? uri : fs.makeQualified(p).toUri());
    } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      return null; // a form java.nio does not take (an authority, say): Hadoop reads it
    }
    // The sidecar's name as ChecksumFileSystem.getChecksumFile forms it.
    java.nio.file.Path sidecar = file.resolveSibling("." + file.getFileName() + ".crc");
    if (Files.exists(sidecar, LinkOption.NOFOLLOW_LINKS)) {
      return null;
    }
    return file;
  }
}
