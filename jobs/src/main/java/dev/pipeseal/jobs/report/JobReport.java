package dev.pipeseal.jobs.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.jobs.lake.CellColumn;
import dev.pipeseal.jobs.lake.KeyUse;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.registry.rotation.RewrapReport;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON report of one run: totals per status, keys in use (name@version -> files), for inventory
 * the keys envelope cells reference (sampled), the registry rewrap summary, and per file what
 * happened. Exit code: 0 nothing failed, 2 something failed and something was done, 1 nothing could
 * be done.
 */
public final class JobReport {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private final String command;
  private final String path;
  private final boolean dryRun;
  private final String started;
  private final List<FileOutcome> files = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  private final Map<Status, Long> totals = new EnumMap<>(Status.class);
  private final Map<String, Long> keys = new TreeMap<>();
  private final Map<String, Long> cellKeys = new TreeMap<>();
  private long subjectCells;
  private long erasedCells;
  private final Map<String, String> registryKeys = new TreeMap<>();
  private final Map<String, Long> tables = new TreeMap<>();
  private final Map<String, String> relocated = new TreeMap<>();
  private String cellSampling;
  private long resumed;
  private RewrapReport registry;
  private String migrationTarget;

  public JobReport(String command, String path, boolean dryRun, String started) {
    this.command = command;
    this.path = path;
    this.dryRun = dryRun;
    this.started = started;
    for (Status s : Status.values()) {
      totals.put(s, 0L);
    }
  }

  public void add(FileOutcome o) {
    files.add(o);
    totals.merge(o.status(), 1L, Long::sum);
    if (o.info() != null && o.info().keys() != null) {
      o.info().keys().stream()
          .map(KeyUse::label)
          .distinct()
          .forEach(k -> keys.merge(k, 1L, Long::sum));
    }
    if (o.info() != null && o.info().table() != null) {
      tables.merge(o.info().table(), 1L, Long::sum);
      if (o.info().locationTable() != null) {
        relocated.put(o.info().table(), o.info().locationTable());
      }
    }
    if (o.info() != null && o.info().cells() != null) {
      java.util.TreeSet<String> named = new java.util.TreeSet<>();
      for (CellColumn c : o.info().cells()) {
        subjectCells += c.subjectCells();
        erasedCells += c.erasedCells();
        c.registryKeys().forEach(k -> named.add("registry:" + k));
        c.inlineKeys().forEach(k -> named.add("inline:" + k));
      }
      named.forEach(k -> cellKeys.merge(k, 1L, Long::sum));
    }
  }

  /** Cells under per-subject keys that the job looked at. */
  public long subjectCells() {
    return subjectCells;
  }

  /** Of {@link #subjectCells}, those of shredded subjects (never decryptable again, by design). */
  public long erasedCells() {
    return erasedCells;
  }

  /** Inventory: how cells were sampled (said in the report, since a sample can miss keys). */
  public void cellSampling(String method) {
    cellSampling = method;
  }

  /** Keys referenced by envelope cells: {@code registry:<id>} or {@code inline:<key@version>}. */
  public Map<String, Long> cellKeys() {
    return java.util.Collections.unmodifiableMap(cellKeys);
  }

  /** Registry key id to {@code masterKey@version}, when the inventory was given the registry. */
  public Map<String, String> registryKeys() {
    return java.util.Collections.unmodifiableMap(registryKeys);
  }

  /** Table id (AAD binding) to the number of files bound to it. */
  public Map<String, Long> tables() {
    return java.util.Collections.unmodifiableMap(tables);
  }

  /**
   * Tables files are bound to that differ from the table their location reads as (bound table to
   * that location's table), as inventory finds them: copied or moved lakes.
   */
  public Map<String, String> relocated() {
    return java.util.Collections.unmodifiableMap(relocated);
  }

  /** Registry key id to {@code masterKey@version}, as the key registry records it. */
  public void registryKey(String id, String masterKey) {
    registryKeys.put(id, masterKey);
  }

  public String command() {
    return command;
  }

  /** The provider URI of {@code rotate --to}: the report says where keys moved. */
  public void migrationTarget(String uri) {
    this.migrationTarget = uri;
  }

  public void resumed(long n) {
    resumed += n;
  }

  public void registry(RewrapReport r) {
    registry = r;
  }

  public void problem(String line) {
    problems.add(line);
  }

  public long count(Status s) {
    return totals.get(s);
  }

  public List<FileOutcome> files() {
    return List.copyOf(files);
  }

  public RewrapReport registry() {
    return registry;
  }

  public List<String> problems() {
    return List.copyOf(problems);
  }

  /** 0 done, 2 partly done, 1 failed (nothing could be done). */
  public int exitCode() {
    long failed = count(Status.FAILED) + (registry == null ? 0 : registry.failed());
    if (failed == 0 && problems.isEmpty()) {
      return 0;
    }
    long ok =
        resumed
            + count(Status.DONE)
            + count(Status.UNCHANGED)
            + count(Status.WOULD_CHANGE)
            + count(Status.SKIPPED)
            + (registry == null ? 0 : registry.current() + registry.rewrapped());
    return ok > 0 ? 2 : 1;
  }

  public Map<String, Object> toMap(String finished) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("command", command);
    m.put("path", path);
    m.put("dryRun", dryRun);
    if (migrationTarget != null) {
      m.put("to", migrationTarget);
    }
    m.put("started", started);
    m.put("finished", finished);
    m.put("exitCode", exitCode());
    Map<String, Long> t = new java.util.LinkedHashMap<>();
    t.put("files", (long) files.size() + resumed);
    totals.forEach((k, v) -> t.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
    t.put("resumed", resumed);
    m.put("totals", t);
    m.put("keys", keys);
    if (!tables.isEmpty()) {
      m.put("tables", tables);
    }
    if (!relocated.isEmpty()) {
      m.put("relocatedTables", relocated);
    }
    if (subjectCells > 0) {
      m.put("subjectCells", subjectCells);
      m.put("erasedCells", erasedCells);
    }
    if (cellSampling != null) {
      m.put("cellKeys", cellKeys);
      m.put("cellSampling", cellSampling);
      if (!registryKeys.isEmpty()) {
        m.put("registryKeys", registryKeys);
      }
    }
    if (registry != null) {
      m.put("registry", registry);
    }
    m.put("problems", problems);
    m.put("files", files);
    return m;
  }

  /**
   * The JSON document of a run that could not start (no such path, unreadable checkpoint): the
   * command, exit code 1 and the problem, so {@code --json} output always parses.
   */
  public static String failedRun(String command, String path, String problem) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("command", command);
    m.put("path", path);
    m.put("exitCode", 1);
    m.put("problems", List.of(problem));
    try {
      return JSON.writeValueAsString(m);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize a report", e);
    }
  }

  /**
   * The JSON report of a run refused because another job holds the lake's lease: exit code 75, the
   * lease file and its holder (job, host, pid, started, heartbeat; null if unreadable).
   */
  public static String conflictRun(
      String command, String path, String problem, String lease, Map<String, Object> holder) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("command", command);
    m.put("path", path);
    m.put("exitCode", ExitCode.CONFLICT);
    Map<String, Object> c = new java.util.LinkedHashMap<>();
    c.put("lease", lease);
    c.put("holder", holder);
    m.put("conflict", c);
    m.put("problems", List.of(problem));
    try {
      return JSON.writeValueAsString(m);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize a report", e);
    }
  }

  public void write(OutputStream out, String finished) throws IOException {
    JSON.writeValue(out, toMap(finished));
  }

  public String toJson(String finished) throws IOException {
    return JSON.writeValueAsString(toMap(finished));
  }
}
