package dev.pipeseal.jobs.testing;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.Syncable;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local disk under the scheme {@code faulty:} ({@code faulty:///tmp/lake}), with storage faults
 * armed by tests: a create, rename or delete of a matching path that fails, or a write that runs
 * out of space ({@code No space left on device}) after some bytes. It is not a local file system to
 * the jobs (no {@code LocalFileSystem}), so their atomic swaps go through Hadoop's rename, as on
 * HDFS. Registered for {@code FileSystem} through {@code META-INF/services}; {@code FileContext}
 * needs {@link #CONF} ({@code fs.AbstractFileSystem.faulty.impl}) in the job's settings.
 */
public class FaultyFileSystem extends RawLocalFileSystem {
  public static final String SCHEME = "faulty";

  /** The {@code FileContext} binding, as a {@code --conf} argument. */
  public static final String CONF = "fs.AbstractFileSystem.faulty.impl=" + Afs.class.getName();

  /** What can fail. */
  public enum Op {
    CREATE,
    RENAME,
    DELETE,
    /** Writes to a created file fail once the file has {@code bytes} bytes. */
    DISK_FULL
  }

  private record Fault(
      Op op, String pathContains, AtomicInteger skip, AtomicInteger times, long bytes) {}

  private static final List<Fault> ARMED = new CopyOnWriteArrayList<>();
  private static final AtomicInteger INJECTED = new AtomicInteger();
  private static final AtomicInteger CALLS = new AtomicInteger();

  /**
   * Fails the operation on the first path containing {@code pathContains} after {@code skip}
   * matching operations succeeded; stays armed (every later match fails too) until {@link #clear}.
   */
  public static void arm(Op op, String pathContains, int skip) {
    arm(op, pathContains, skip, Integer.MAX_VALUE);
  }

  /** As {@link #arm(Op, String, int)}, but fails only {@code times} times (a transient fault). */
  public static void arm(Op op, String pathContains, int skip, int times) {
    ARMED.add(new Fault(op, pathContains, new AtomicInteger(skip), new AtomicInteger(times), 0));
  }

  /** Writes to new files whose path contains {@code pathContains} fail after {@code bytes}. */
  public static void diskFull(String pathContains, long bytes) {
    ARMED.add(
        new Fault(
            Op.DISK_FULL,
            pathContains,
            new AtomicInteger(0),
            new AtomicInteger(Integer.MAX_VALUE),
            bytes));
  }

  public static void clear() {
    ARMED.clear();
  }

  /** Faults injected since the last {@link #resetCounts}. */
  public static int injected() {
    return INJECTED.get();
  }

  /** Storage operations (create, rename, delete) seen since the last {@link #resetCounts}. */
  public static int calls() {
    return CALLS.get();
  }

  public static void resetCounts() {
    INJECTED.set(0);
    CALLS.set(0);
  }

  /** {@code faulty://} form of a local path. */
  public static String uri(java.nio.file.Path local) {
    return SCHEME + "://" + local.toAbsolutePath();
  }

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  private static void check(Op op, Path p) throws IOException {
    CALLS.incrementAndGet();
    for (Fault f : ARMED) {
      if (f.op() == op && p.toString().contains(f.pathContains())) {
        if (f.skip().getAndDecrement() <= 0 && f.times().getAndDecrement() > 0) {
          INJECTED.incrementAndGet();
          throw new IOException("injected " + op.name().toLowerCase() + " failure: " + p);
        }
      }
    }
  }

  private static long spaceLeft(Path p) {
    for (Fault f : ARMED) {
      if (f.op() == Op.DISK_FULL && p.toString().contains(f.pathContains())) {
        return f.bytes();
      }
    }
    return -1;
  }

  private FSDataOutputStream faulty(Path p, FSDataOutputStream out) throws IOException {
    long left = spaceLeft(p);
    if (left < 0) {
      return out;
    }
    OutputStream limited = new Limited(out, left);
    return new FSDataOutputStream(limited, null);
  }

  /** A disk with {@code left} bytes free for this file; keeps hsync working. */
  private static final class Limited extends FilterOutputStream implements Syncable {
    private final FSDataOutputStream target;
    private final long left;
    private long written;

    Limited(FSDataOutputStream target, long left) {
      super(target);
      this.target = target;
      this.left = left;
    }

    @Override
    public void write(int b) throws IOException {
      room(1);
      target.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      room(len);
      target.write(b, off, len);
    }

    private void room(int n) throws IOException {
      if (written + n > left) {
        INJECTED.incrementAndGet();
        throw new IOException("No space left on device");
      }
      written += n;
    }

    @Override
    public void hflush() throws IOException {
      target.hflush();
    }

    @Override
    public void hsync() throws IOException {
      target.hsync();
    }
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    check(Op.CREATE, f);
    return faulty(f, super.create(f, overwrite, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream create(
      Path f,
      FsPermission permission,
      boolean overwrite,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    check(Op.CREATE, f);
    return faulty(
        f, super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress));
  }

  @Override
  public FSDataOutputStream createNonRecursive(
      Path f,
      FsPermission permission,
      java.util.EnumSet<org.apache.hadoop.fs.CreateFlag> flags,
      int bufferSize,
      short replication,
      long blockSize,
      Progressable progress)
      throws IOException {
    check(Op.CREATE, f);
    return faulty(
        f,
        super.createNonRecursive(
            f, permission, flags, bufferSize, replication, blockSize, progress));
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    check(Op.RENAME, src);
    return super.rename(src, dst);
  }

  /**
   * {@code FileContext.rename(..., OVERWRITE)} lands here. Hadoop's default deletes the target and
   * then renames; a POSIX rename replaces it in one step, as HDFS does, so that is what this file
   * system offers.
   */
  @Override
  @SuppressWarnings("deprecation")
  protected void rename(Path src, Path dst, Options.Rename... options) throws IOException {
    check(Op.RENAME, src);
    if (!super.rename(src, dst)) {
      throw new IOException("rename " + src + " to " + dst + " failed");
    }
  }

  /**
   * Plain statuses: the local file system's own ones load permissions through a {@code file:} URI
   * of their path, which this scheme is not.
   */
  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    return plain(super.getFileStatus(f));
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    FileStatus[] all = super.listStatus(f);
    FileStatus[] out = new FileStatus[all.length];
    for (int i = 0; i < all.length; i++) {
      out[i] = plain(all[i]);
    }
    return out;
  }

  private static FileStatus plain(FileStatus s) {
    return new FileStatus(
        s.getLen(),
        s.isDirectory(),
        1,
        s.getBlockSize(),
        s.getModificationTime(),
        s.getAccessTime(),
        FsPermission.getFileDefault(),
        "",
        "",
        s.getPath());
  }

  @Override
  public boolean delete(Path p, boolean recursive) throws IOException {
    check(Op.DELETE, p);
    return super.delete(p, recursive);
  }

  /** {@code FileContext} view of the same file system. */
  public static final class Afs extends DelegateToFileSystem {
    public Afs(URI uri, Configuration conf) throws IOException, URISyntaxException {
      super(uri, new FaultyFileSystem(), conf, SCHEME, false);
    }
  }
}
