package dev.pipeseal.jobs.demo;

import dev.pipeseal.jobs.JobCommand;
import dev.pipeseal.jobs.lake.ParquetTail;
import dev.pipeseal.jobs.report.FileOutcome;
import dev.pipeseal.jobs.report.FileOutcome.Status;
import dev.pipeseal.jobs.report.JobReport;
import dev.pipeseal.jobs.run.JobOptions;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.metrics.KmsMetrics;
import dev.pipeseal.parquet.spark.PipesealParquet;
import dev.pipeseal.registry.rotation.RewrapReport;
import dev.pipeseal.spark.PipesealExtensions;
import dev.pipeseal.spark.config.PipesealSparkConfig;
import dev.pipeseal.spark.keys.SparkKeyAccess;
import dev.pipeseal.spark.task.PipesealValueException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ParameterException;

/**
 * {@code pipeseal demo}: synthetic training data (PII text and 768-d embeddings) written through
 * local Spark as a small lake partitioned by day, encrypted two ways at once:
 *
 * <ul>
 *   <li>Parquet modular encryption by Pipeseal's crypto factory: {@code name} and {@code note}
 *       under master key {@code pii}, {@code embedding} under {@code embeddings}, encrypted footer,
 *       external key material (so rotation rewraps without rewriting data files);
 *   <li>Pipeseal cells by the SQL functions: {@code ssn} randomized, {@code email} deterministic (a
 *       join key), keys by reference in the key registry.
 * </ul>
 *
 * <p>Then it shows the files are unreadable without keys, joins on the encrypted email, rolls both
 * master keys, runs the {@code rotate} job (key material files and registry rewrapped, data files
 * byte for byte unchanged) and the {@code verify} job, reads every value back cold and compares it
 * with what was written, and shows that a flipped bit in a cell and a flipped byte in a data file
 * are refused.
 */
public final class DemoJob {
  static final String PII = "pii";
  static final String EMBEDDINGS = "embeddings";
  static final String TABLE = "demo.records";
  private static final String PASSWORD_ENV = "PIPESEAL_KEYSTORE_PASSWORD";
  private static final Pattern EXCEPTION = Pattern.compile("\\b(\\w+Exception)\\b");

  /** What the demo runs with ({@link DemoCommand} parses it). */
  public record Options(Path dir, int rows, long seed) {
    public Options {
      if (rows < 10) {
        throw new IllegalArgumentException("--rows must be >= 10: " + rows);
      }
    }
  }

  void run(Options o, PrintWriter out) throws IOException {
    long started = System.nanoTime();
    Files.createDirectories(o.dir());
    Map<String, String> kms = new LinkedHashMap<>();
    kms.put("pipeseal.kms.uri", "local://" + o.dir().resolve("keys.p12"));
    kms.put("pipeseal.kms.provider.password", passwordReference(o.dir()));
    kms.put("pipeseal.kms.provider.create", "true");
    kms.put("pipeseal.kms.audit.sink", "file");
    kms.put("pipeseal.kms.audit.file", o.dir().resolve("audit.jsonl").toString());
    Path lakeDir = o.dir().resolve("lake");
    Path registry = o.dir().resolve("registry");
    SyntheticRecords records = new SyntheticRecords(o.seed());
    SparkSession spark = null;
    boolean ownSpark =
        SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty();
    try {
      KmsBridge jobsBridge = SharedKmsBridges.pinned(kms).bridge();
      KmsAdmin admin = jobsBridge.admin().orElseThrow();
      ensureKey(admin, PII);
      ensureKey(admin, EMBEDDINGS);
      Map<String, String> sparkConf = sparkConf(kms, registry);
      spark = session(sparkConf);
      DemoLake lake = new DemoLake(spark, parquetOptions(kms), lakeDir.toString());

      lake.write(records, o.rows());
      List<Path> files = dataFiles(lakeDir);
      out.printf(
          "wrote %,d synthetic records through Spark: %d Parquet files in %d day partitions, %,d"
              + " bytes%n",
          o.rows(), files.size(), partitions(lakeDir, files), totalBytes(files));
      out.println(
          "  PME columns: name, note under master key pii; embedding (768 floats) under"
              + " embeddings; footer encrypted under pii; key material external");
      out.println(
          "  Pipeseal cells: ssn randomized, email deterministic (join key), under pii; keys by"
              + " registry reference");
      out.printf(
          "without keys: %d of %d footers encrypted (PARE), Spark read refused (%s)%n",
          encryptedFooters(files), files.size(), refusedWithoutKeys(spark, lake));
      long probe = Math.min(7, o.rows() - 1);
      List<Long> found = lake.findByEmail(records.row(probe).email());
      if (!found.equals(List.of(probe))) {
        throw new IllegalStateException("the deterministic email lookup found " + found);
      }
      out.printf("join key: record %d found by its encrypted email, no column decrypted%n", probe);

      Map<Path, String> digests = digests(files);
      MasterKeyInfo pii = admin.rotateKey(PII);
      MasterKeyInfo emb = admin.rotateKey(EMBEDDINGS);
      out.printf(
          "rotated master keys: %s -> %s, %s -> %s%n",
          PII, pii.currentVersion(), EMBEDDINGS, emb.currentVersion());
      JobReport rotate = requireOk(job("rotate", lakeDir, kms, "--registry", registry.toString()));
      RewrapReport reg = rotate.registry();
      if (!digests.equals(digests(files))) {
        throw new IllegalStateException("the rotate job changed a data file");
      }
      out.printf(
          "rotate job: rewrapped the key material of %d files (data files byte for byte"
              + " unchanged); rewrapped %d of %d registry records to the new versions%n",
          rotate.count(Status.DONE), reg.rewrapped(), reg.scanned());

      KeyToolkit.removeCacheEntriesForAllTokens(); // reads below unwrap the rewrapped keys
      JobReport verify = requireOk(job("verify", lakeDir, kms));
      out.printf(
          "verify job: %d of %d files read in full, every page authenticated%n",
          verify.count(Status.DONE), files.size());
      long[] check = lake.checkAll(records);
      if (check[0] != o.rows() || check[1] != 0) {
        throw new IllegalStateException(
            "read back " + check[0] + " records, " + check[1] + " differ from what was written");
      }
      out.printf(
          "verified %,d records through Spark: every value decrypts to what was written%n",
          check[0]);

      out.println("tamper check: a flipped bit in a cell was refused: " + tamperCell(spark, lake));
      out.println(
          "tamper check: a flipped byte in a data file was refused by verify: "
              + tamperFile(o.dir(), lakeDir, files.get(0), kms));
      // Jobs, Parquet and the SQL functions share one bridge for one KMS configuration.
      KmsBridge cellsBridge = SparkKeyAccess.of(PipesealSparkConfig.parse(sparkConf)).bridge();
      KmsMetrics jobs = jobsBridge.providerMetrics();
      KmsMetrics cells =
          cellsBridge == jobsBridge
              ? new KmsMetrics(Map.of(), Map.of(), KmsMetrics.Cache.NONE)
              : cellsBridge.providerMetrics();
      out.printf(
          "KMS provider calls: generate=%d unwrap=%d rewrap=%d (KEK layer and caches keep them"
              + " O(1))%n",
          calls(jobs, cells, "generate"),
          calls(jobs, cells, "unwrap"),
          calls(jobs, cells, "rewrap") + calls(jobs, cells, "rewrapAll"));
      out.printf(
          "done in %.1f s; key store, registry, audit log and lake are in %s%n",
          (System.nanoTime() - started) / 1e9, o.dir());
    } finally {
      if (spark != null && ownSpark) {
        spark.stop();
      }
      // This run's key services: a later run in the same JVM opens the store afresh.
      KeyToolkit.removeCacheEntriesForAllTokens();
      SharedKmsBridges.closeAll();
    }
  }

  private static long calls(KmsMetrics a, KmsMetrics b, String op) {
    return a.operation(op).calls() + b.operation(op).calls();
  }

  private static void ensureKey(KmsAdmin admin, String name) {
    if (admin.listKeys().stream().noneMatch(k -> k.name().equals(name))) {
      admin.createKey(name);
    }
  }

  /** The Spark connector's settings: the same bridge settings, and the key registry. */
  static Map<String, String> sparkConf(Map<String, String> kms, Path registry) {
    Map<String, String> conf = new LinkedHashMap<>();
    kms.forEach((k, v) -> conf.put("spark." + k, v));
    conf.put(PipesealSparkConfig.REGISTRY_LOCATION, registry.toString());
    return conf;
  }

  /** The PME write and read options: one policy, validated by the builder. */
  static Map<String, String> parquetOptions(Map<String, String> kms) {
    PipesealParquet.Builder b = PipesealParquet.options(kms.get("pipeseal.kms.uri"));
    kms.forEach(
        (k, v) -> {
          if (!k.equals("pipeseal.kms.uri")) {
            b.kms(k, v);
          }
        });
    return b.encrypt(PII, "name", "note")
        .encrypt(EMBEDDINGS, "embedding")
        .policy("footer.key", PII)
        .policy("key-material", "external")
        .policy("table", TABLE)
        .build();
  }

  /** The session spark-submit made, else local Spark with the Pipeseal functions. */
  static SparkSession session(Map<String, String> sparkConf) {
    SparkSession.Builder b =
        SparkSession.builder()
            .appName("pipeseal demo")
            .config("spark.sql.extensions", PipesealExtensions.class.getName());
    if (System.getProperty("spark.master") == null) {
      b =
          b.master("local[2]")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2");
    }
    for (Map.Entry<String, String> e : sparkConf.entrySet()) {
      b = b.config(e.getKey(), e.getValue());
    }
    SparkSession spark = b.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    sparkConf.forEach(spark.conf()::set); // an existing session gets them too
    return spark;
  }

  /** Runs a lake job in this JVM on the demo's Spark session; fails unless it fully succeeded. */
  private static JobReport job(String command, Path lake, Map<String, String> kms, String... extra)
      throws IOException {
    List<String> args = new ArrayList<>(List.of(lake.toString(), "--quiet"));
    kms.forEach(
        (k, v) -> {
          args.add("--conf");
          args.add(k + "=" + v);
        });
    args.add("--conf");
    args.add("pipeseal.parquet.table=" + TABLE);
    args.addAll(List.of(extra));
    JobOptions options;
    try {
      options = JobCommand.options(command, args);
    } catch (ParameterException e) {
      throw new IllegalStateException(command + ": " + e.getMessage(), e);
    }
    return JobCommand.execute(options, line -> {});
  }

  /** The report of a job that must have succeeded on every file. */
  private static JobReport requireOk(JobReport report) {
    if (report.exitCode() != 0) {
      List<String> failed = new ArrayList<>(report.problems());
      report.files().stream()
          .filter(f -> f.status() == Status.FAILED)
          .forEach(f -> failed.add(f.path() + ": " + f.message()));
      throw new IllegalStateException("the job failed: " + failed);
    }
    return report;
  }

  private static String refusedWithoutKeys(SparkSession spark, DemoLake lake) {
    try {
      quietly(spark, lake::readWithoutKeys);
    } catch (Exception e) { // Spark rethrows task failures as (checked) SparkException
      return rootCause(e).getClass().getSimpleName();
    }
    throw new IllegalStateException("the lake was readable without keys");
  }

  /** Runs a step whose task failure is the expected outcome, without Spark logging it. */
  private static void quietly(SparkSession spark, Runnable step) {
    spark.sparkContext().setLogLevel("OFF");
    try {
      step.run();
    } finally {
      spark.sparkContext().setLogLevel("WARN");
    }
  }

  /** Flips the last bit of a stored ssn cell and decrypts it through Spark. */
  private static String tamperCell(SparkSession spark, DemoLake lake) {
    byte[] cell = lake.oneSsnCell();
    cell[cell.length - 1] ^= 1;
    try {
      quietly(spark, () -> lake.decryptSsn(cell));
    } catch (Exception e) { // Spark rethrows task failures as (checked) SparkException
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof PipesealValueException p && p.getCause() != null) {
          String m = p.getMessage();
          int end = m.indexOf("): ");
          return p.getCause().getClass().getSimpleName()
              + (end < 0 ? "" : " in " + m.substring(0, end + 1));
        }
      }
      throw new IllegalStateException(
          "the tampered cell failed for another reason: "
              + rootCause(e).getClass().getSimpleName());
    }
    throw new IllegalStateException("a tampered cell decrypted");
  }

  /**
   * Copies one data file and its key material into {@code DIR/tamper} (the table id is explicit, so
   * the copy belongs to the same table), flips one byte in the middle (column pages) and runs the
   * verify job on the copy. The lake itself is never modified.
   */
  private static String tamperFile(Path dir, Path lake, Path file, Map<String, String> kms)
      throws IOException {
    Path scratch = dir.resolve("tamper");
    if (Files.exists(scratch)) { // an earlier run's copy: this run's copy must be the only file
      try (Stream<Path> s = Files.walk(scratch)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Path copyDir = scratch.resolve(lake.relativize(file.getParent()));
    Files.createDirectories(copyDir);
    Path copy = copyDir.resolve(file.getFileName());
    Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
    String material = "_KEY_MATERIAL_FOR_" + file.getFileName() + ".json";
    Files.copy(
        file.resolveSibling(material),
        copyDir.resolve(material),
        StandardCopyOption.REPLACE_EXISTING);
    byte[] bytes = Files.readAllBytes(copy);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(copy, bytes);
    JobReport verify = job("verify", scratch, kms);
    List<FileOutcome> failed =
        verify.files().stream().filter(f -> f.status() == Status.FAILED).toList();
    if (failed.size() != 1) {
      throw new IllegalStateException("verify did not refuse the tampered file");
    }
    TreeSet<String> names = new TreeSet<>();
    Matcher m = EXCEPTION.matcher(failed.get(0).message());
    while (m.find()) {
      names.add(m.group(1));
    }
    return String.join(", ", names);
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  /** Data files as readers see them (hidden and {@code _} names skipped). */
  static List<Path> dataFiles(Path lake) throws IOException {
    try (Stream<Path> s = Files.walk(lake)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .filter(
              p -> {
                for (Path part : lake.relativize(p)) {
                  String n = part.toString();
                  if (n.startsWith("_") || n.startsWith(".")) {
                    return false;
                  }
                }
                return true;
              })
          .sorted()
          .toList();
    }
  }

  private static long partitions(Path lake, List<Path> files) {
    return files.stream().map(Path::getParent).distinct().count();
  }

  private static long totalBytes(List<Path> files) throws IOException {
    long n = 0;
    for (Path f : files) {
      n += Files.size(f);
    }
    return n;
  }

  private static long encryptedFooters(List<Path> files) throws IOException {
    long n = 0;
    for (Path f : files) {
      ParquetTail t =
          ParquetTail.read(
              new org.apache.hadoop.fs.Path(f.toUri()), new org.apache.hadoop.conf.Configuration());
      if (t.encrypted() && "encrypted".equals(t.footerMode())) {
        n++;
      }
    }
    return n;
  }

  private static Map<Path, String> digests(List<Path> files) throws IOException {
    Map<Path, String> m = new LinkedHashMap<>();
    for (Path f : files) {
      try {
        m.put(
            f,
            Base64.getEncoder()
                .encodeToString(
                    java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(f))));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return m;
  }

  /** The key-store password: from the environment, else a random one kept next to the store. */
  private static String passwordReference(Path dir) throws IOException {
    if (System.getenv(PASSWORD_ENV) != null) {
      return "env:" + PASSWORD_ENV;
    }
    Path file = dir.resolve("keystore.password");
    if (!Files.exists(file)) {
      byte[] random = new byte[24];
      new SecureRandom().nextBytes(random);
      Path tmp = Files.createTempFile(dir, "keystore", ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // Non-POSIX file systems keep their default permissions.
      }
      Files.writeString(tmp, Base64.getUrlEncoder().withoutPadding().encodeToString(random));
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
    return "file:" + file;
  }
}
