package dev.pipeseal.kms.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Replaces files atomically (temp file in the same directory, fsync, rename, fsync the directory)
 * and serializes admin changes with a {@code .lock} file: readers in other processes see the old or
 * the new file, never a partial one. Used by the local key store and the hybrid provider's key
 * files.
 */
public final class AtomicFile {
  // A FileLock cannot be taken twice in one JVM, so in-process callers queue on this first.
  private static final Map<Path, ReentrantLock> PROCESS_LOCKS = new ConcurrentHashMap<>();

  private AtomicFile() {}

  /** A file operation run under the lock. */
  public interface IoAction {
    void run() throws IOException;
  }

  /** Runs {@code action} holding the process and file lock for {@code file}. */
  public static void withLock(Path file, IoAction action) throws IOException {
    ReentrantLock lock = PROCESS_LOCKS.computeIfAbsent(file, p -> new ReentrantLock());
    lock.lock();
    try {
      Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
      try (FileChannel channel =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock fileLock = channel.lock();
        try {
          action.run();
        } finally {
          fileLock.release();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Runs between making a temporary file durable and publishing it (tests inject crashes). */
  public interface PublishHook {
    void beforePublish(Path temporary) throws IOException;
  }

  /** Replaces {@code file} with {@code content}: temp file, fsync, atomic rename, fsync dir. */
  public static void write(Path file, byte[] content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      writeDurably(temp, content, StandardOpenOption.WRITE);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      temp = null;
      forceDirectory(dir);
    } finally {
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /**
   * Publishes {@code content} as {@code target} unless it exists, never overwriting: the bytes go
   * to {@code temporaryName} beside it, are forced, then hard-linked to the final name ({@code
   * link(2)} fails if the name exists, so racing writers in any process publish exactly once).
   *
   * @return false if {@code target} already existed (nothing published)
   */
  public static boolean createIfAbsent(
      Path target, String temporaryName, byte[] content, PublishHook hook) throws IOException {
    if (Files.exists(target)) {
      return false;
    }
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temporary = dir.resolve(temporaryName);
    try {
      writeDurably(temporary, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      hook.beforePublish(temporary);
      try {
        Files.createLink(target, temporary);
      } catch (FileAlreadyExistsException e) {
        return false;
      }
      forceDirectory(dir);
      return true;
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  private static void writeDurably(Path file, byte[] content, StandardOpenOption... options)
      throws IOException {
    try (FileChannel channel = FileChannel.open(file, options)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }

  private static void forceDirectory(Path dir) {
    // Linux allows fsync on a directory opened read-only; other platforms may refuse, and then the
    // rename or link is as durable as the platform makes it.
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // best effort, see above
    }
  }
}
