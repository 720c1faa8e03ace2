package dev.pipeseal.registry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Atomic publishing on a Hadoop {@code FileSystem}, the one mechanism the Hadoop registry store and
 * the lake jobs share (local {@code java.nio} files use {@code AtomicFile} in kms-spi).
 *
 * <p>{@link #createIfAbsent} publishes a file that must never be overwritten (registry records,
 * aliases). {@link #swap} replaces a file by a complete, durable new version in one step: the new
 * bytes go to a hidden temporary file in the same directory (so table binding and permissions
 * match), are forced to storage, checked by the caller, and only then renamed over the target. A
 * crash before the rename leaves the old file (plus a hidden temporary that readers ignore); after
 * it, the new one. On local disks the directory is forced after the rename; callers that swap many
 * independent files may collect those forces in a {@link DirectoryForces} and force each directory
 * once, before they record any of the swaps as done.
 */
public final class HadoopAtomicFiles {
  private HadoopAtomicFiles() {}

  /** A temporary sibling of {@code target}: hidden, unique, never listed as data. */
  public static Path temporaryFor(Path target) {
    return new Path(
        target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".pipeseal-tmp");
  }

  /** Writes {@code bytes} to a new temporary sibling of {@code target} and forces it. */
  public static Path writeTemporary(Path target, byte[] bytes, Configuration conf)
      throws IOException {
    Path tmp = temporaryFor(target);
    FileSystem fs = rawFileSystem(tmp, conf);
    // Exactly the local file system: subclasses (test doubles that inject faults) keep their own.
    if (fs.getClass() == RawLocalFileSystem.class) {
      // Hadoop's local create sets the file's permissions by forking chmod wherever its native
      // library is missing (most installs): a process per file, which dominated rotating many
      // small key material files. A plain create (the umask's permissions) and force instead.
      java.nio.file.Path file = java.nio.file.Path.of(fs.makeQualified(tmp).toUri());
      try (FileChannel ch =
          FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      return tmp;
    }
    try (FSDataOutputStream out = fs.create(tmp, false)) {
      out.write(bytes);
      out.hsync();
    }
    return tmp;
  }

  /**
   * Renames {@code tmp} over {@code target} atomically where the file system can (POSIX rename on
   * local disks, HDFS rename with OVERWRITE). On object stores a rename is a copy plus a delete:
   * readers never see a partial file, but run one job per table there.
   */
  public static void swap(Path tmp, Path target, Configuration conf) throws IOException {
    swap(tmp, target, conf, null);
  }

  /**
   * As {@link #swap(Path, Path, Configuration)}, but on local disks the directory holding {@code
   * target} is not forced here: it is added to {@code later}, whose owner forces it (once for all
   * the swaps into that directory) before recording any of them as done. Until then a power loss
   * may undo the rename, never the new file's content (forced before the rename): the old version
   * stands again, complete, and the swap must simply be redone. Null: force at once.
   */
  public static void swap(Path tmp, Path target, Configuration conf, DirectoryForces later)
      throws IOException {
    FileSystem fs = target.getFileSystem(conf);
    if (fs instanceof LocalFileSystem local) {
      // The stale checksum sidecar must go first: a crash after this leaves the old file without
      // its sidecar, which Hadoop reads unchecked; the reverse order would fail every read.
      Path crc = local.getChecksumFile(fs.makeQualified(target));
      java.nio.file.Path crcFile = java.nio.file.Path.of(fs.makeQualified(crc).toUri());
      // An unlink takes the directory's lock exclusively even when the name is absent (the usual
      // case: we write no sidecars); a lookup shares it with the other swaps in the directory.
      if (Files.exists(crcFile, LinkOption.NOFOLLOW_LINKS)) {
        Files.deleteIfExists(crcFile);
      }
      java.nio.file.Path from = java.nio.file.Path.of(fs.makeQualified(tmp).toUri());
      java.nio.file.Path to = java.nio.file.Path.of(fs.makeQualified(target).toUri());
      try {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically", e);
      }
      if (later == null) {
        fsyncDirectory(to.getParent());
      } else {
        later.add(to.getParent());
      }
      return;
    }
    FileContext fc = FileContext.getFileContext(target.toUri(), conf);
    try {
      fc.rename(tmp, target, Options.Rename.OVERWRITE);
    } catch (IOException e) {
      // Hadoop's rename with OVERWRITE, where a file system has no atomic one (those reached
      // through DelegateToFileSystem: object stores), deletes the target and then renames. If the
      // rename then fails, the checked new version is all there is: move it into place.
      if (!fs.exists(target) && fs.exists(tmp)) {
        try {
          if (fs.rename(tmp, target)) {
            return;
          }
        } catch (IOException again) {
          e.addSuppressed(again);
        }
        throw new IOException(
            "replacing "
                + target
                + " failed after the old version was removed; its checked new version is kept at "
                + tmp
                + " (the next run of the job moves it into place)",
            e);
      }
      throw e;
    }
  }

  /**
   * The file a temporary of {@link #temporaryFor} replaces, or null if {@code tmp} is not such a
   * temporary.
   */
  public static Path targetOf(Path tmp) {
    String name = tmp.getName();
    String suffix = ".pipeseal-tmp";
    int uuidLength = 36;
    if (!name.startsWith(".") || !name.endsWith(suffix)) {
      return null;
    }
    int end = name.length() - suffix.length() - uuidLength - 1;
    if (end <= 1 || name.charAt(end) != '.') {
      return null;
    }
    try {
      UUID.fromString(name.substring(end + 1, name.length() - suffix.length()));
    } catch (IllegalArgumentException e) {
      return null;
    }
    return new Path(tmp.getParent(), name.substring(1, end));
  }

  /**
   * Writes {@code content} to {@code temporary}, forces it, then publishes it as {@code target}
   * unless that exists. HDFS {@code rename} is atomic and refuses an existing target, which gives
   * create-if-absent; the local file system's rename would overwrite, so there it hard-links, as
   * {@code AtomicFile} does. On S3 a rename is a copy and a delete: racing writers of one name can
   * both succeed there (docs/format.md).
   *
   * @return false if {@code target} already existed (nothing published)
   */
  public static boolean createIfAbsent(FileSystem fs, Path temporary, Path target, byte[] content)
      throws IOException {
    if (fs.exists(target)) {
      return false;
    }
    fs.mkdirs(target.getParent());
    try {
      try (FSDataOutputStream out = fs.create(temporary, false)) {
        out.write(content);
        out.hsync();
      }
      if (fs instanceof RawLocalFileSystem local) {
        try {
          Files.createLink(local.pathToFile(target).toPath(), local.pathToFile(temporary).toPath());
          return true;
        } catch (java.nio.file.FileAlreadyExistsException e) {
          return false;
        }
      }
      try {
        return fs.rename(temporary, target);
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        return false;
      }
    } finally {
      fs.delete(temporary, false);
    }
  }

  /**
   * Deletes a temporary file left by a failed step; never throws. Keeps it when the file it was to
   * replace is gone (a swap interrupted after the old version was removed): it is then the only
   * version left.
   */
  public static void discard(Path tmp, Configuration conf) {
    try {
      Path target = targetOf(tmp);
      FileSystem fs = rawFileSystem(tmp, conf);
      if (target != null && !fs.exists(target)) {
        return;
      }
      fs.delete(tmp, false);
    } catch (IOException | RuntimeException ignored) {
      // Hidden and ignored by readers; a later run or an operator removes it.
    }
  }

  /** Local files are written without checksum sidecars, so the swap is one rename. */
  public static FileSystem rawFileSystem(Path p, Configuration conf) throws IOException {
    FileSystem fs = p.getFileSystem(conf);
    return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
  }

  /**
   * Local directories that swaps renamed into and that still need forcing, each listed once however
   * many swaps it took: a batch of swaps costs one directory force per distinct directory instead
   * of one per file. Thread-safe; the owner calls {@link #force} before it records any of those
   * swaps as done, and a crash before that can only undo renames it has not recorded.
   */
  public static final class DirectoryForces {
    private final Set<java.nio.file.Path> dirs = ConcurrentHashMap.newKeySet();

    void add(java.nio.file.Path dir) {
      dirs.add(dir);
    }

    /** Directories waiting for their force. */
    public int pending() {
      return dirs.size();
    }

    /**
     * Forces every pending directory, on {@code pool} when there are several (the forces of one
     * file system then share journal commits), and waits for them all. A directory is forgotten
     * once forced; swaps added meanwhile wait for the next call.
     */
    public void force(ExecutorService pool) {
      List<java.nio.file.Path> now = new ArrayList<>(dirs);
      dirs.removeAll(now);
      if (now.size() == 1 || pool == null) {
        now.forEach(HadoopAtomicFiles::fsyncDirectory);
        return;
      }
      List<Future<?>> forces = new ArrayList<>();
      for (java.nio.file.Path d : now) {
        forces.add(pool.submit(() -> fsyncDirectory(d)));
      }
      boolean interrupted = false;
      for (Future<?> f : forces) {
        while (true) {
          try {
            f.get();
            break;
          } catch (InterruptedException e) {
            interrupted = true; // every force must finish before the caller records anything
          } catch (ExecutionException e) {
            throw new IllegalStateException("directory force failed", e.getCause());
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void fsyncDirectory(java.nio.file.Path dir) {
    try (var ch = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // Some file systems refuse to open directories; the rename itself is still atomic.
    }
  }
}
