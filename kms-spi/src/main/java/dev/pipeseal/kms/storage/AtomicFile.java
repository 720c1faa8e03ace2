package dev.pipeseal.kms.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
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

  /** Replaces {@code file} with {@code content}: temp file, fsync, atomic rename, fsync dir. */
  public static void write(Path file, byte[] content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      temp = null;
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException e) {
        // Some platforms cannot open a directory; the rename itself is still atomic.
      }
    } finally {
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
    }
  }
}
