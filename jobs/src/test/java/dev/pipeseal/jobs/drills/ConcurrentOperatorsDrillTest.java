package dev.pipeseal.jobs.drills;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.jobs.lease.LakeLease;
import dev.pipeseal.jobs.reencrypt.FileRewriter;
import dev.pipeseal.jobs.run.FaultInjection;
import dev.pipeseal.jobs.testing.JobProcess;
import dev.pipeseal.jobs.testing.Lakes;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two operators at once on one lake or registry, each job in a JVM of its own: of two lake jobs
 * exactly one runs and the other exits 75 naming the holder; a dead holder's lease is taken over; a
 * writer that ignores the lease is caught before rotate's swap; two registry rewraps share the
 * work. Afterwards every file verifies and every key is at the newest version. Each drill prints
 * one {@code DRILL} line (docs/reliability.md, "Concurrent operators").
 */
class ConcurrentOperatorsDrillTest {
  private static final int FILES = 6;
  private static final int ROWS = 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Map<String, String> kms;
  private Map<String, String> readProps;
  private String newest;

  @AfterEach
  void clean() {
    FaultInjection.install(null);
    Lakes.resetCaches();
  }

  /** {@value #FILES} files with external key material in three partitions; the key then rolled. */
  private List<Path> lake(Path lake) {
    kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    Map<String, String> w = Lakes.policy(kms, "pii", "pipeseal.parquet.key-material", "external");
    readProps = Lakes.policy(kms, "pii");
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < FILES; i++) {
      Path f = lake.resolve("day=" + (i % 3) + "/part-" + i + ".parquet");
      Lakes.write(w, f, ROWS);
      files.add(f);
    }
    roll();
    return files;
  }

  /** Rolls {@code pii} to a new version; returns it. */
  private String roll() {
    newest = Lakes.admin(kms).rotateKey("pii").currentVersion();
    Lakes.resetCaches();
    return newest;
  }

  private String[] job(String command, Path path, String... extra) {
    List<String> a = new ArrayList<>(List.of(command, path.toString(), "--engine", "local"));
    a.add("--kms");
    a.add(kms.get("pipeseal.kms.uri"));
    kms.forEach(
        (k, v) -> {
          if (!k.equals("pipeseal.kms.uri")) {
            a.add("--conf");
            a.add(k + "=" + v);
          }
        });
    if (command.equals("reencrypt")) {
      a.add("--conf");
      a.add("pipeseal.parquet.columns.pii=ssn");
    }
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  private List<String> versions(Path lake) throws Exception {
    Path report = dir.resolve("inv-" + System.nanoTime() + ".json");
    var r =
        Lakes.cli("inventory", lake.toString(), "--engine", "local", "--report", report.toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    List<String> out = new ArrayList<>();
    JSON.readTree(Files.readString(report))
        .get("files")
        .forEach(f -> f.at("/info/keys").forEach(k -> out.add(k.get("masterKeyVersion").asText())));
    return out;
  }

  /** {@code verify} passes, every row reads, and no lease or stale lease is left behind. */
  private long verified(Path lake, List<Path> files) throws Exception {
    Lakes.resetCaches();
    var v = Lakes.cli(job("verify", lake));
    assertThat(v.code()).as(v.out() + v.err()).isZero();
    long rows = 0;
    for (Path f : files) {
      rows += Lakes.readAll(readProps, f);
    }
    assertThat(rows).isEqualTo((long) FILES * ROWS);
    try (Stream<Path> s = Files.walk(lake)) {
      assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(LakeLease.NAME)))
          .as("no lease left")
          .isEmpty();
    }
    return rows;
  }

  /** The JSON document a job printed with {@code --json} (among stderr lines, for a child). */
  private static JsonNode report(String output) throws Exception {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\\{\\s*\"command\"").matcher(output);
    if (!m.find()) {
      throw new AssertionError("no JSON report in: " + output);
    }
    try (var parser = JSON.getFactory().createParser(output.substring(m.start()))) {
      return JSON.readTree(parser);
    }
  }

  /**
   * Starts both jobs at once, each holding at its first swap until the gate opens: the one that got
   * the lease waits there, so the other must end first, refused. Returns {winner, loser}.
   */
  private JobProcess[] race(String first, String second, Path lake, String round) throws Exception {
    Path gate = dir.resolve("gate-" + round);
    JobProcess a =
        JobProcess.holding(FaultInjection.AFTER_WRITE, 1, gate, job(first, lake, "--json"));
    JobProcess b =
        JobProcess.holding(FaultInjection.AFTER_WRITE, 1, gate, job(second, lake, "--json"));
    try {
      CompletableFuture.anyOf(a.onExit(), b.onExit()).get(10, TimeUnit.MINUTES);
      JobProcess loser = a.hasEnded() ? a : b;
      JobProcess winner = loser == a ? b : a;
      String loserJob = loser == a ? first : second;
      String winnerJob = loser == a ? second : first;
      assertThat(loser.waitFor()).as(loser.output()).isEqualTo(ExitCode.CONFLICT);
      JsonNode refused = report(loser.output());
      assertThat(refused.at("/command").asText()).isEqualTo(loserJob);
      assertThat(refused.at("/exitCode").asInt()).isEqualTo(ExitCode.CONFLICT);
      assertThat(refused.at("/conflict/holder/job").asText()).isEqualTo(winnerJob);
      assertThat(refused.at("/conflict/holder/pid").asLong()).isEqualTo(winner.pid());
      assertThat(refused.at("/conflict/holder/host").asText()).isNotEmpty();
      assertThat(refused.at("/conflict/holder/started").asText()).isNotEmpty();
      assertThat(loser.output())
          .contains("pipeseal " + loserJob + ": another job (job '" + winnerJob + "'")
          .contains("pid " + winner.pid())
          .contains("this job changed nothing");
      Files.createFile(gate);
      assertThat(winner.waitFor()).as(winner.output()).isZero();
      assertThat(report(winner.output()).at("/totals/done").asInt()).isEqualTo(FILES);
      return new JobProcess[] {winner, loser};
    } finally {
      a.kill();
      b.kill();
    }
  }

  @Test
  void twoRotationsStartedTogetherRunOneAtATime() throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = lake(lake);
    int rounds = 2;
    int conflicts = 0;
    long rows = 0;
    for (int round = 0; round < rounds; round++) {
      race("rotate", "rotate", lake, "rotate-" + round);
      conflicts++;
      assertThat(versions(lake)).as("round " + round).hasSize(FILES * 2).containsOnly(newest);
      rows = verified(lake, files);
      roll();
    }
    System.out.printf(
        "DRILL two rotate runs at once | runs=%d conflicts=%d files=%d records=%d lost=0%n",
        rounds * 2, conflicts, FILES, rows);
  }

  @Test
  void rotateRacingReencryptRunsOneAtATime() throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = lake(lake);
    int rounds = 2;
    int conflicts = 0;
    long rows = 0;
    for (int round = 0; round < rounds; round++) {
      // Alternate who starts first; the lease decides who runs.
      String first = round % 2 == 0 ? "rotate" : "reencrypt";
      String second = round % 2 == 0 ? "reencrypt" : "rotate";
      JobProcess[] ran = race(first, second, lake, "mixed-" + round);
      conflicts++;
      String refused = report(ran[1].output()).at("/command").asText();
      // The refused job runs afterwards, as the operator would rerun it.
      Lakes.resetCaches();
      var rerun = Lakes.cli(job(refused, lake));
      assertThat(rerun.code()).as(rerun.out() + rerun.err()).isZero();
      assertThat(versions(lake)).as("round " + round).hasSize(FILES * 2).containsOnly(newest);
      rows = verified(lake, files);
      roll();
    }
    System.out.printf(
        "DRILL rotate racing reencrypt | runs=%d conflicts=%d files=%d records=%d lost=0%n",
        rounds * 2, conflicts, FILES, rows);
  }

  @Test
  void aKilledJobsLeaseIsTakenOverByTheRerunOnTheSameHost() throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = lake(lake);
    JobProcess killed =
        JobProcess.killedAt(
            FaultInjection.AFTER_RENAME,
            2,
            job("rotate", lake, "--parallelism", "1", "--batch", "1"));
    assertThat(killed.waitFor()).as(killed.output()).isEqualTo(JobProcess.KILLED);
    Path lease = lake.resolve(LakeLease.NAME);
    assertThat(lease).exists(); // the dead job never released it
    assertThat(JSON.readTree(Files.readString(lease)).get("pid").asLong()).isEqualTo(killed.pid());

    Lakes.resetCaches();
    var rerun = Lakes.cli(job("rotate", lake, "--json"));
    assertThat(rerun.code()).as(rerun.out() + rerun.err()).isZero();
    assertThat(rerun.err())
        .contains("took over the lease at")
        .contains("pid " + killed.pid())
        .contains("process " + killed.pid() + " no longer runs on this host");
    JsonNode r = report(rerun.out());
    // Its first file's batch was checkpointed; the second was swapped but not yet checkpointed.
    assertThat(r.at("/totals/resumed").asInt()).isEqualTo(1);
    assertThat(versions(lake)).hasSize(FILES * 2).containsOnly("2");
    long rows = verified(lake, files);
    System.out.printf(
        "DRILL killed job's lease taken over | runs=2 conflicts=0 files=%d records=%d lost=0%n",
        FILES, rows);
  }

  private static String lease(String host, long pid, String job, Instant heartbeat) {
    return "{\"format\":1,\"job\":\""
        + job
        + "\",\"owner\":\"0f7c6d3e-1b0a-4a47-9d55-3d2f4f2f8a11\",\"host\":\""
        + host
        + "\",\"pid\":"
        + pid
        + ",\"started\":\""
        + heartbeat.minusSeconds(600)
        + "\",\"heartbeat\":\""
        + heartbeat
        + "\"}\n";
  }

  @Test
  void aForeignHostsLeaseIsRefusedWhileAliveAndTakenOverOnceExpired() throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = lake(lake);
    Path leaseFile = lake.resolve(LakeLease.NAME);
    String host = "etl-7.elsewhere.example";
    String live = lease(host, 4242, "reencrypt", Instant.now());
    Files.writeString(leaseFile, live);
    int runs = 0;
    int conflicts = 0;

    var refused = Lakes.cli(job("rotate", lake, "--json"));
    runs++;
    assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(ExitCode.CONFLICT);
    conflicts++;
    JsonNode json = report(refused.out());
    assertThat(json.at("/conflict/holder/host").asText()).isEqualTo(host);
    assertThat(json.at("/conflict/holder/pid").asLong()).isEqualTo(4242);
    assertThat(json.at("/conflict/holder/job").asText()).isEqualTo("reencrypt");
    assertThat(json.at("/conflict/lease").asText()).endsWith(LakeLease.NAME);
    assertThat(refused.err()).contains("job 'reencrypt' on host " + host + ", pid 4242, started");
    assertThat(versions(lake)).containsOnly("1"); // nothing changed
    assertThat(Files.readString(leaseFile)).isEqualTo(live); // and the lease stands

    // A job on one partition sees the lease of the whole lake above it.
    var below = Lakes.cli(job("reencrypt", lake.resolve("day=1")));
    runs++;
    assertThat(below.code()).as(below.out() + below.err()).isEqualTo(ExitCode.CONFLICT);
    conflicts++;
    assertThat(below.err()).contains("a directory above this job's path");
    // And a job on the whole lake sees a live lease on one partition below it.
    Files.delete(leaseFile);
    Path partLease = lake.resolve("day=2").resolve(LakeLease.NAME);
    Files.writeString(partLease, live);
    var above = Lakes.cli(job("rotate", lake));
    runs++;
    assertThat(above.code()).as(above.out() + above.err()).isEqualTo(ExitCode.CONFLICT);
    conflicts++;
    assertThat(above.err()).contains("below this job's path").contains(partLease.toString());
    assertThat(versions(lake)).containsOnly("1");
    Files.delete(partLease);

    // The foreign holder stopped renewing an hour ago: past the expiry, the lease is taken over.
    Files.writeString(leaseFile, lease(host, 4242, "reencrypt", Instant.now().minusSeconds(3600)));
    Lakes.resetCaches();
    var taken = Lakes.cli(job("rotate", lake));
    runs++;
    assertThat(taken.code()).as(taken.out() + taken.err()).isZero();
    assertThat(taken.err())
        .contains("took over the lease")
        .contains("on host " + host + ", pid 4242")
        .contains("past the expiry of 300 s");
    assertThat(versions(lake)).containsOnly("2");

    // An operator breaks a live-looking lease of a host that is gone: done, and audited.
    roll();
    Files.writeString(leaseFile, live);
    Path audit = dir.resolve("audit.jsonl");
    var broken =
        Lakes.cli(
            job(
                "rotate",
                lake,
                "--break-lease",
                "--conf",
                "pipeseal.kms.audit.sink=file",
                "--conf",
                "pipeseal.kms.audit.file=" + audit));
    runs++;
    assertThat(broken.code()).as(broken.out() + broken.err()).isZero();
    assertThat(broken.err()).contains("took over the lease").contains("(--break-lease)");
    assertThat(Files.readString(audit)).contains("lake-lease").contains("\"break\"").contains(host);
    assertThat(versions(lake)).containsOnly("3");
    long rows = verified(lake, files);
    System.out.printf(
        "DRILL foreign leases: live refused, nested refused, expired and broken taken over |"
            + " runs=%d conflicts=%d files=%d records=%d lost=0%n",
        runs, conflicts, FILES, rows);
  }

  @Test
  void aWriterIgnoringTheLeaseIsCaughtBeforeRotatesSwap() throws Exception {
    Path lake = dir.resolve("lake");
    List<Path> files = lake(lake);
    Path victim = files.get(1);
    Map<String, String> write =
        Lakes.policy(kms, "pii", "pipeseal.parquet.key-material", "external");
    AtomicBoolean fired = new AtomicBoolean();
    FaultInjection.install(
        (point, file) -> {
          // Between rotate's check of its new key material and its swap, another tool rewrites
          // the file under new keys without taking the lease (as reencrypt would, from elsewhere).
          if (point.equals(FaultInjection.AFTER_WRITE)
              && file.endsWith(victim.getFileName().toString())
              && fired.compareAndSet(false, true)) {
            try {
              FileRewriter.rewrite(
                  new org.apache.hadoop.fs.Path(victim.toUri()), Lakes.conf(write), true);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        });
    var r = Lakes.cli(job("rotate", lake, "--parallelism", "1", "--files-in-flight", "1"));
    FaultInjection.install(null);
    assertThat(fired).isTrue();
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(ExitCode.PARTIAL);
    assertThat(r.out())
        .contains("FAILED " + new org.apache.hadoop.fs.Path(victim.toUri()))
        .contains("changed by another writer while this job worked on it")
        .contains("(the data file was replaced)")
        .contains("done=" + (FILES - 1));
    assertThat(Lakes.readAll(readProps, victim)).isEqualTo(ROWS); // the writer's version stands

    Lakes.resetCaches();
    var rerun = Lakes.cli(job("rotate", lake));
    assertThat(rerun.code()).as(rerun.out() + rerun.err()).isZero();
    assertThat(versions(lake)).hasSize(FILES * 2).containsOnly("2");
    long rows = verified(lake, files);
    System.out.printf(
        "DRILL writer ignoring the lease vs rotate | runs=2 conflicts=1 files=%d records=%d"
            + " lost=0%n",
        FILES, rows);
  }

  @Test
  void twoRegistryRewrapsAtOnceShareTheWork() throws Exception {
    kms = Lakes.localStore(dir.resolve("keys"));
    Path reg = dir.resolve("registry");
    int records = 200;
    List<KeyId> ids = new ArrayList<>();
    try (KmsBridge bridge = KmsBridge.open(kms);
        KeyRegistry registry = KeyRegistries.open(reg)) {
      bridge.admin().orElseThrow().createKey("pii");
      for (int i = 0; i < records; i++) {
        try (DataKeyPair pair = bridge.generateDataKey("pii").toCompletableFuture().join()) {
          ids.add(registry.register(pair.wrapped()));
        }
      }
      bridge.admin().orElseThrow().rotateKey("pii");
    }
    List<String> rewrap = new ArrayList<>(List.of("keys", "rewrap", "--registry", reg.toString()));
    rewrap.add("--json");
    rewrap.add("--batch");
    rewrap.add("10");
    rewrap.add("--kms");
    rewrap.add(kms.get("pipeseal.kms.uri"));
    kms.forEach(
        (k, v) -> {
          if (!k.equals("pipeseal.kms.uri")) {
            rewrap.add("--conf");
            rewrap.add(k + "=" + v);
          }
        });
    String[] args = rewrap.toArray(String[]::new);
    JobProcess a = JobProcess.start(args);
    JobProcess b = JobProcess.start(args);
    long rewrapped = 0;
    for (JobProcess p : List.of(a, b)) {
      assertThat(p.waitFor()).as(p.output()).isZero();
      JsonNode r = null;
      for (String line : p.output().split("\n")) {
        if (line.startsWith("{")) {
          r = JSON.readTree(line);
        }
      }
      assertThat(r).as(p.output()).isNotNull();
      assertThat(r.get("failed").asLong()).isZero();
      rewrapped += r.get("rewrapped").asLong();
    }
    // Each stale record got its new generation exactly once: the loser of a race saw it current.
    assertThat(rewrapped).isEqualTo(records);
    Lakes.resetCaches();
    int readable = 0;
    try (KmsBridge bridge = KmsBridge.open(kms);
        KeyRegistry registry = KeyRegistries.open(reg)) {
      for (KeyId id : ids) {
        var rec = registry.read(id).orElseThrow();
        assertThat(rec.wrapped().masterKeyVersion()).as(id.toString()).isEqualTo("2");
        assertThat(rec.generation()).isEqualTo(2);
        bridge.unwrap(rec.wrapped()).toCompletableFuture().join().close();
        readable++;
      }
    }
    assertThat(readable).isEqualTo(records);
    System.out.printf(
        "DRILL two keys rewrap at once | runs=2 conflicts=0 records=%d rewrapped=%d lost=0%n",
        readable, rewrapped);
  }
}
