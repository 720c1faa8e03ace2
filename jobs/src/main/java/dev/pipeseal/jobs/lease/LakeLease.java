package dev.pipeseal.jobs.lease;

import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Settings;
import dev.pipeseal.registry.HadoopAtomicFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The exclusive lease a lake-mutating job holds on the path it works on: the file {@value #NAME} in
 * that directory (for a job on one file, in the file's directory), hidden from readers like every
 * {@code _} name. Without it, a {@code rotate} racing a {@code reencrypt} of one file could rename
 * key material rewrapped for the old data file beside the new one.
 *
 * <p>Taking it publishes the holder's JSON create-if-absent ({@link
 * HadoopAtomicFiles#createIfAbsent}: a hard link on local disks, a rename that refuses an existing
 * target on HDFS), so of two jobs exactly one succeeds and the file is never seen half written. A
 * job also refuses to start below a directory whose job holds a live lease, and ({@link
 * #checkNested}) above one. The holder rewrites its heartbeat every {@link #HEARTBEAT} through the
 * atomic swap, and deletes the file when it ends, failed or not.
 *
 * <p>A lease is stale when its holder is gone: on this host, when its process no longer runs (or
 * the pid now belongs to a younger process); anywhere, when its heartbeat is older than {@link
 * #EXPIRY}. A stale lease is taken over by renaming it to a unique name (one contender's rename
 * wins) and then taking the lease anew; it is never deleted and recreated, which two contenders
 * could both do. {@code --break-lease} takes over a live one (an operator's decision, audited by
 * the caller). A holder that finds its lease gone or taken over at its next heartbeat or check
 * stops with a {@link LeaseConflictException}.
 */
public final class LakeLease implements AutoCloseable {
  /** The lease file's name. */
  public static final String NAME = "_pipeseal_job.lease";

  /** Names are relative to this prefix. */
  public static final String PREFIX = "pipeseal.jobs.lease.";

  public static final Property<Duration> EXPIRY =
      Property.duration(
          "expiry",
          Duration.ofMinutes(5),
          ChronoUnit.SECONDS,
          "How old a lake job lease's heartbeat may get before another job takes the lease over"
              + " (the holder is presumed dead). Keep it well above the heartbeat, pauses of the"
              + " holder (GC, a suspended VM) and clock skew between hosts.");

  public static final Property<Duration> HEARTBEAT =
      Property.duration(
          "heartbeat",
          Duration.ofSeconds(30),
          ChronoUnit.SECONDS,
          "How often a job holding the lake lease renews its heartbeat; at most half the expiry.");

  public static final PropertySet PROPERTIES =
      PropertySet.of(
          "lake job lease (rotate, reencrypt: one at a time per lake)", PREFIX, EXPIRY, HEARTBEAT);

  /** Owner tokens of leases this JVM holds: a lease naming this pid but none of these is dead. */
  private static final Set<String> HELD_HERE = ConcurrentHashMap.newKeySet();

  private static final long PID = ProcessHandle.current().pid();
  private static final String HOST = hostName();

  /** How much later than a lease a process may appear to have started and still be its holder. */
  private static final Duration START_SLACK = Duration.ofSeconds(5);

  /** How a lease was taken from an earlier holder. */
  public record Takeover(LeaseHolder previous, String reason, boolean broken) {}

  private final FileSystem fs;
  private final Path file;
  private final Configuration conf;
  private final Clock clock;
  private final Takeover takeover;
  private final Duration expiry;
  private final ScheduledExecutorService beats;
  private LeaseHolder holder;
  private volatile String lost;
  private boolean closed;

  private LakeLease(
      FileSystem fs,
      Path file,
      Configuration conf,
      Clock clock,
      LeaseHolder holder,
      Takeover takeover,
      Duration expiry,
      Duration heartbeat) {
    this.fs = fs;
    this.expiry = expiry;
    this.file = file;
    this.conf = conf;
    this.clock = clock;
    this.holder = holder;
    this.takeover = takeover;
    this.beats =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pipeseal-lease-heartbeat");
              t.setDaemon(true);
              return t;
            });
    long ms = Math.max(1, heartbeat.toMillis());
    beats.scheduleWithFixedDelay(this::beat, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** The lease file a job on {@code path} (a directory or one file) takes. */
  public static Path leaseFile(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    FileStatus st = fs.getFileStatus(p); // FileNotFoundException names the path
    Path dir = st.isDirectory() ? st.getPath() : st.getPath().getParent();
    return new Path(dir, NAME);
  }

  /**
   * Takes the lease of the lake at {@code path} for {@code job}.
   *
   * @param properties the job's settings ({@code pipeseal.jobs.lease.*} read here)
   * @param breakLease take the lease over even from a live holder (the operator knows it is dead)
   * @throws LeaseConflictException if another job holds a live lease here or above
   * @throws FileNotFoundException if {@code path} does not exist
   */
  public static LakeLease acquire(
      String path,
      String job,
      Configuration conf,
      Map<String, String> properties,
      boolean breakLease,
      Clock clock)
      throws IOException {
    Settings s = Settings.of(properties).scoped(PREFIX).validate(PROPERTIES);
    Duration expiry = s.get(EXPIRY);
    Duration heartbeat = s.get(HEARTBEAT);
    if (heartbeat.isZero() || heartbeat.multipliedBy(2).compareTo(expiry) > 0) {
      throw s.invalid(HEARTBEAT, "must be more than 0 and at most half of " + s.fullName(EXPIRY));
    }
    Path file = leaseFile(path, conf);
    FileSystem fs = HadoopAtomicFiles.rawFileSystem(file, conf);
    checkAncestors(fs, file, expiry, clock);
    String owner = UUID.randomUUID().toString();
    LeaseHolder seen = null;
    Takeover takeover = null;
    for (int attempt = 0; attempt < 4; attempt++) {
      Instant now = clock.instant();
      LeaseHolder mine = new LeaseHolder(job, owner, HOST, PID, now, now);
      // Registered before publishing: from the moment the file exists, this JVM counts it live.
      HELD_HERE.add(owner);
      boolean created;
      try {
        created =
            HadoopAtomicFiles.createIfAbsent(
                fs, HadoopAtomicFiles.temporaryFor(file), file, bytes(mine));
      } catch (IOException | RuntimeException e) {
        HELD_HERE.remove(owner);
        throw e;
      }
      if (created) {
        return new LakeLease(fs, file, conf, clock, mine, takeover, expiry, heartbeat);
      }
      HELD_HERE.remove(owner);
      Optional<String> content = read(fs, file);
      if (content.isEmpty()) {
        continue; // released or moved aside meanwhile: try again
      }
      LeaseHolder holder;
      String stale;
      try {
        holder = LeaseHolder.parse(content.get());
        stale = staleness(holder, clock.instant(), expiry);
      } catch (IllegalArgumentException | java.time.DateTimeException e) {
        if (!breakLease) {
          throw new LeaseConflictException(
              file.toString(),
              null,
              file
                  + " is not a lease this version reads ("
                  + e.getMessage()
                  + "); if no job runs on this lake, rerun with --break-lease");
        }
        holder = null;
        stale = null;
      }
      if (stale == null && !breakLease) {
        throw conflict(file, holder, "holds the lease");
      }
      if (moveAside(fs, file, holder)) {
        takeover = new Takeover(holder, stale != null ? stale : "--break-lease", stale == null);
      }
      seen = holder;
    }
    throw conflict(file, seen, "keeps taking the lease (it changed hands while this job tried)");
  }

  /** The takeover that gave this job the lease, if it was not free. */
  public Optional<Takeover> takeover() {
    return Optional.ofNullable(takeover);
  }

  /** The lease file. */
  public Path file() {
    return file;
  }

  /** This job, as its lease file says. */
  public synchronized LeaseHolder holder() {
    return holder;
  }

  /**
   * Renews the heartbeat now and fails if the lease is no longer this job's (taken over after this
   * job stalled past the expiry, or removed): the job must stop changing the lake. Jobs call it
   * between batches.
   */
  public void check() throws LeaseConflictException {
    beat();
    String why = lost;
    if (why != null) {
      throw new LeaseConflictException(
          file.toString(), null, file + ": this job lost its lease (" + why + "); stopped");
    }
  }

  /**
   * Refuses to run over lakes below this lease's directory where another job holds a live lease (a
   * job on one partition started before this one on the whole lake); {@code leases} are the lease
   * files the listing met.
   */
  public void checkNested(Iterable<Path> leases) throws IOException {
    for (Path p : leases) {
      if (p.toUri().getPath().equals(file.toUri().getPath())) {
        continue;
      }
      Optional<LeaseHolder> h = readHolder(fs, p);
      if (h.isPresent() && staleness(h.get(), clock.instant(), expiry) == null) {
        throw conflict(p, h.get(), "holds a lease below this job's path");
      }
    }
  }

  private synchronized void beat() {
    if (closed || lost != null) {
      return;
    }
    try {
      Optional<LeaseHolder> now = readHolder(fs, file);
      if (now.isEmpty()) {
        lost = "the lease file was removed";
        return;
      }
      if (!now.get().owner().equals(holder.owner())) {
        lost = "taken over by " + now.get().describe();
        return;
      }
      LeaseHolder next = holder.renewed(clock.instant());
      Path tmp = HadoopAtomicFiles.writeTemporary(file, bytes(next), conf);
      try {
        HadoopAtomicFiles.swap(tmp, file, conf);
      } catch (IOException | RuntimeException e) {
        HadoopAtomicFiles.discard(tmp, conf);
        throw e;
      }
      holder = next;
    } catch (IOException | RuntimeException e) {
      // Storage trouble: the lease stands with its last heartbeat and the next beat tries again.
      // Failing for longer than the expiry lets another job take over; this one then stops at
      // its next check.
    }
  }

  /** Stops the heartbeat and removes the lease if it is still this job's. */
  @Override
  public void close() throws IOException {
    beats.shutdown(); // a beat under way finishes its swap: no temporary is left behind
    try {
      beats.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        Optional<LeaseHolder> now = readHolder(fs, file);
        if (now.isPresent() && now.get().owner().equals(holder.owner())) {
          fs.delete(file, false);
        }
      } finally {
        HELD_HERE.remove(holder.owner());
      }
    }
  }

  /**
   * Why {@code h} no longer holds its lease, or null if it may still: the process is gone from this
   * host, or the heartbeat is older than {@code expiry}.
   */
  static String staleness(LeaseHolder h, Instant now, Duration expiry) {
    if (h.host().equals(HOST)) {
      if (h.pid() == PID) {
        return HELD_HERE.contains(h.owner())
            ? null
            : "process " + PID + " on this host (this one) no longer runs that job";
      }
      Optional<ProcessHandle> p = ProcessHandle.of(h.pid());
      if (p.isEmpty() || !p.get().isAlive()) {
        return "process " + h.pid() + " no longer runs on this host";
      }
      Optional<Instant> started = p.get().info().startInstant();
      if (started.isPresent() && started.get().isAfter(h.started().plus(START_SLACK))) {
        return "pid " + h.pid() + " now belongs to a process started after the lease was taken";
      }
    }
    Duration age = Duration.between(h.heartbeat(), now);
    if (age.compareTo(expiry) > 0) {
      return "its last heartbeat is "
          + age.toSeconds()
          + " s old, past the expiry of "
          + expiry.toSeconds()
          + " s ("
          + PREFIX
          + EXPIRY.name()
          + ")";
    }
    return null;
  }

  /** A live lease in a directory above {@code file}'s: a job over the whole lake runs. */
  private static void checkAncestors(FileSystem fs, Path file, Duration expiry, Clock clock)
      throws IOException {
    for (Path dir = file.getParent().getParent(); dir != null; dir = dir.getParent()) {
      Path above = new Path(dir, NAME);
      Optional<LeaseHolder> h;
      try {
        h = readHolder(fs, above);
      } catch (IllegalArgumentException | java.time.DateTimeException e) {
        continue; // not ours to judge; the job over that directory reports it
      } catch (org.apache.hadoop.security.AccessControlException e) {
        break; // directories above the lake this user may not read hold no lake of ours
      }
      if (h.isPresent() && staleness(h.get(), clock.instant(), expiry) == null) {
        throw conflict(above, h.get(), "holds the lease of a directory above this job's path");
      }
    }
  }

  /**
   * Moves the lease file aside so that a new one can be taken; true if the file moved was the one
   * judged stale ({@code expected}, null for an unreadable one). Of contenders racing, one rename
   * wins; a loser that moved a newer lease (taken between its read and its rename) puts it back.
   */
  private static boolean moveAside(FileSystem fs, Path file, LeaseHolder expected)
      throws IOException {
    Path aside = new Path(file.getParent(), NAME + "." + UUID.randomUUID() + ".stale");
    if (!rename(fs, file, aside)) {
      return false;
    }
    try {
      Optional<String> content = read(fs, aside);
      if (content.isEmpty()) {
        return false;
      }
      LeaseHolder moved = null;
      try {
        moved = LeaseHolder.parse(content.get());
      } catch (IllegalArgumentException | java.time.DateTimeException e) {
        // unreadable: the one judged stale only if that one was unreadable too
      }
      boolean same =
          expected == null
              ? moved == null
              : moved != null && moved.owner().equals(expected.owner());
      if (!same) {
        HadoopAtomicFiles.createIfAbsent(
            fs,
            HadoopAtomicFiles.temporaryFor(file),
            file,
            content.get().getBytes(StandardCharsets.UTF_8));
      }
      return same;
    } finally {
      fs.delete(aside, false);
    }
  }

  private static boolean rename(FileSystem fs, Path from, Path to) throws IOException {
    if (fs instanceof RawLocalFileSystem local) {
      // Hadoop's local rename falls back to copy-and-delete when the rename fails; a plain
      // rename either moves the file or finds it gone.
      try {
        Files.move(
            local.pathToFile(from).toPath(),
            local.pathToFile(to).toPath(),
            StandardCopyOption.ATOMIC_MOVE);
        return true;
      } catch (NoSuchFileException e) {
        return false;
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot move " + from + " aside atomically", e);
      }
    }
    try {
      return fs.rename(from, to);
    } catch (FileNotFoundException e) {
      return false;
    }
  }

  private static LeaseConflictException conflict(Path file, LeaseHolder h, String what) {
    String who = h == null ? "another job" : "another job (" + h.describe() + ")";
    return new LeaseConflictException(
        file.toString(),
        h,
        who
            + " "
            + what
            + " at "
            + file
            + "; this job changed nothing. Rerun when it has finished; if that job is dead on"
            + " another host, its lease expires after "
            + PREFIX
            + EXPIRY.name()
            + ", or rerun with --break-lease");
  }

  private static Optional<LeaseHolder> readHolder(FileSystem fs, Path p) throws IOException {
    return read(fs, p).map(LeaseHolder::parse);
  }

  private static Optional<String> read(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
  }

  private static byte[] bytes(LeaseHolder h) {
    return (h.toJson() + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException | RuntimeException e) {
      String env = System.getenv("HOSTNAME");
      return env != null && !env.isEmpty() ? env : "unknown-host";
    }
  }
}
