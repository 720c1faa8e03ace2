package dev.pipeseal.bench;

import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.spark.PipesealExtensions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code ./bench/run lifecycle [--subjects N] [--lookups N] [--shreds N] [--rows N]
 * [--spark-subjects N] [--batch N] [--rounds N] [--dir D]}: per-subject keys (crypto-shredding) on
 * a local-directory registry, DEKs from a local key store through the bridge's KEK layer (one KMS
 * call per KEK).
 *
 * <ul>
 *   <li>{@code subject-keys-per-s}: subject keys created in batches of {@code --batch} (default
 *       10^6; one published file per touched bucket, buckets published 8 at a time) vs registry
 *       records registered one file each (the baseline, 2,000 keys).
 *   <li>{@code lookup-cold-us}, {@code lookup-warm-us}: one random subject's key, from a fresh
 *       registry instance (reads the subject's bucket) and again (cache hit).
 *   <li>{@code shred-ms}: one subject shredded (its bucket rewritten, old files deleted).
 *   <li>{@code registry-bytes-per-subject}: bytes under {@code subjects/} per subject.
 *   <li>{@code spark-subject-vs-column}: Spark local[2] encrypting N rows for M distinct subjects
 *       with {@code pipeseal_encrypt_subject} (keys created beforehand) vs the same rows under one
 *       column key with {@code pipeseal_encrypt}, rows/s, to the noop sink; target &gt;= 0.5.
 *   <li>{@code spark-subject-vs-naive}: the same per-subject encryption against {@link
 *       NaiveSubjectUdf}, what a user would hand-write: one AES-GCM key per subject derived once
 *       per executor, a cached {@code Cipher} per subject and thread, a counter IV. It pays the
 *       same JCE call with a subject's key per row, so it tells which part of the per-subject cost
 *       is ours and which part is having 10^5 keys in play at all ({@code
 *       spark-naive-subject-vs-column}: the naive per-subject UDF against our column key; {@code
 *       spark-naive-subject-vs-naive-column}: against the same hand-written UDF with one key, so
 *       both pay Spark's UDF conversions; {@code spark-subject-clustered-vs-column}: ours on the
 *       same rows and subjects with each subject's rows adjacent, as after a sort by subject).
 * </ul>
 *
 * <p>{@code --only spark} skips the registry cases (the Spark subjects' keys are still created).
 */
final class LifecycleBench {
  private LifecycleBench() {}

  static void run(String[] args) throws Exception {
    int subjects = 1_000_000;
    int lookups = 100_000;
    int shreds = 1000;
    long rows = 1_000_000;
    int sparkSubjects = 100_000;
    int batch = 1_000_000;
    int rounds = 3;
    Path dir = null;
    boolean sparkOnly = false;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--subjects" -> subjects = Integer.parseInt(args[i + 1]);
        case "--lookups" -> lookups = Integer.parseInt(args[i + 1]);
        case "--shreds" -> shreds = Integer.parseInt(args[i + 1]);
        case "--rows" -> rows = Long.parseLong(args[i + 1]);
        case "--spark-subjects" -> sparkSubjects = Integer.parseInt(args[i + 1]);
        case "--batch" -> batch = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--dir" -> dir = Path.of(args[i + 1]);
        case "--only" -> sparkOnly = "spark".equals(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path work = dir == null ? Files.createTempDirectory("pipeseal-lifecycle-bench-") : dir;
    Path keys = work.resolve("keys");
    Files.createDirectories(keys);
    Path pass = keys.resolve("store.pass");
    Files.writeString(pass, "bench store password\n");
    Map<String, String> kms = new LinkedHashMap<>();
    kms.put("pipeseal.kms.uri", "local://" + keys.resolve("keys.p12"));
    kms.put("pipeseal.kms.provider.password", "file:" + pass);
    kms.put("pipeseal.kms.provider.create", "true");
    kms.put("pipeseal.kms.audit.sink", "none");
    KmsBridge bridge = SharedKmsBridges.pinned(kms).bridge();
    bridge.admin().orElseThrow().createKey("pii");
    Supplier<WrappedKey> generate =
        () -> {
          try (DataKeyPair p = KmsCalls.await(bridge.generateDataKey("pii"))) {
            return p.wrapped();
          }
        };
    Path prf = work.resolve("prf.key");
    Files.writeString(prf, "bench-only subject PRF key, 32 bytes or more\n");
    SubjectHasher hasher =
        SubjectHasher.of(Files.readString(prf).trim().getBytes(StandardCharsets.UTF_8));
    Path registry = work.resolve("registry");
    if (sparkOnly) {
      spark(kms, registry, prf, hasher, generate, rows, sparkSubjects, rounds);
      SharedKmsBridges.closeAll();
      return;
    }

    // Baseline: one record file per key, as the registry stores column keys.
    int baselineKeys = 2000;
    long t0 = System.nanoTime();
    try (KeyRegistry records = KeyRegistries.open(work.resolve("record-registry"))) {
      for (int i = 0; i < baselineKeys; i++) {
        records.register(generate.get());
      }
    }
    double baselinePerS = baselineKeys / ((System.nanoTime() - t0) / 1e9);

    List<SubjectHash> all = new ArrayList<>(subjects);
    for (int i = 0; i < subjects; i++) {
      all.add(hasher.hash("user-" + i));
    }
    long providerBefore = generateCalls(bridge);
    Map<SubjectHash, Long> dekIds = new java.util.HashMap<>(subjects * 2);
    t0 = System.nanoTime();
    try (SubjectKeyRegistry reg = KeyRegistries.openSubjects(registry.toString(), Map.of())) {
      for (int i = 0; i < subjects; i += batch) {
        reg.keysFor(all.subList(i, Math.min(subjects, i + batch)), generate)
            .forEach((subject, key) -> dekIds.put(subject, key.dekId()));
      }
    }
    double perS = subjects / ((System.nanoTime() - t0) / 1e9);
    BenchReport.ratio("lifecycle.subject-keys-per-s", perS, baselinePerS, "keys/s");
    BenchReport.value(
        "lifecycle.files-per-bucket", (double) files(registry.resolve("subjects")) / 4096, "files");
    BenchReport.value(
        "lifecycle.kms-generate-calls", generateCalls(bridge) - providerBefore, "calls");
    BenchReport.value(
        "lifecycle.registry-bytes-per-subject",
        (double) bytes(registry.resolve("subjects")) / subjects,
        "bytes");

    Random random = new Random(42);
    List<SubjectHash> picks = new ArrayList<>(lookups);
    for (int i = 0; i < lookups; i++) {
      picks.add(all.get(random.nextInt(subjects)));
    }
    try (SubjectKeyRegistry reg =
        KeyRegistries.openSubjects(
            registry.toString(),
            // A long TTL: "warm" means a cache hit, even when the cold pass outlasts the
            // default minute on a loaded machine (it did: 10^5 cold lookups took 5 minutes).
            Map.of(
                "registry.subject-cache-size",
                "" + Math.max(lookups, 1),
                "registry.subject-cache-ttl",
                "1h"))) {
      t0 = System.nanoTime();
      for (SubjectHash s : picks) {
        reg.key(s, dekIds.get(s));
      }
      double coldUs = (System.nanoTime() - t0) / 1e3 / lookups;
      t0 = System.nanoTime();
      for (SubjectHash s : picks) {
        reg.key(s, dekIds.get(s));
      }
      double warmUs = (System.nanoTime() - t0) / 1e3 / lookups;
      BenchReport.value("lifecycle.lookup-cold-us", coldUs, "us");
      BenchReport.value("lifecycle.lookup-warm-us", warmUs, "us");
    }
    try (SubjectKeyRegistry reg = KeyRegistries.openSubjects(registry.toString(), Map.of())) {
      t0 = System.nanoTime();
      for (int i = 0; i < shreds; i++) {
        reg.shred(all.get(i * (subjects / shreds)));
      }
      BenchReport.value("lifecycle.shred-ms", (System.nanoTime() - t0) / 1e6 / shreds, "ms");
    }
    spark(kms, registry, prf, hasher, generate, rows, sparkSubjects, rounds);
    SharedKmsBridges.closeAll();
  }

  private static void spark(
      Map<String, String> kms,
      Path registry,
      Path prf,
      SubjectHasher hasher,
      Supplier<WrappedKey> generate,
      long rows,
      int distinct,
      int rounds)
      throws IOException {
    // Keys for the Spark subjects exist beforehand (as after a batch preparation): the case
    // measures encryption, not key creation, which subject-keys-per-s measures.
    List<SubjectHash> sparkSubjects = new ArrayList<>(distinct);
    for (int i = 0; i < distinct; i++) {
      sparkSubjects.add(hasher.hash("s" + i));
    }
    try (SubjectKeyRegistry reg = KeyRegistries.openSubjects(registry.toString(), Map.of())) {
      reg.keysFor(sparkSubjects, generate);
    }
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal-lifecycle-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.extensions", PipesealExtensions.class.getName())
            .config("spark.pipeseal.registry.location", registry.toString())
            .config("spark.pipeseal.subject.prf-key", "file:" + prf);
    kms.forEach((k, v) -> b.config("spark." + k, v));
    SparkSession spark = b.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    String source =
        "SELECT concat('value-', id) AS v, concat('s', id % "
            + distinct
            + ") AS s FROM range("
            + rows
            + ")";
    String subject = "SELECT pipeseal_encrypt_subject(v, s, 'pii', 'c') AS c FROM (" + source + ")";
    String column = "SELECT pipeseal_encrypt(v, 'pii', 'c') AS c FROM (" + source + ")";
    spark.udf().register("naive_subject_gcm", new NaiveSubjectUdf("c"), DataTypes.BinaryType);
    String naive = "SELECT naive_subject_gcm(v, s) AS c FROM (" + source + ")";
    // The same rows and subjects, but each subject's rows next to each other (as after a sort or
    // a repartition by subject, or in data that arrives grouped by user).
    String clusteredSource =
        "SELECT concat('value-', id) AS v, concat('s', id DIV "
            + Math.max(1, rows / distinct)
            + ") AS s FROM range("
            + rows
            + ")";
    String clustered =
        "SELECT pipeseal_encrypt_subject(v, s, 'pii', 'c') AS c FROM (" + clusteredSource + ")";
    byte[] columnKey = new byte[32];
    new SecureRandom().nextBytes(columnKey);
    spark
        .udf()
        .register(
            "naive_column_gcm", new SparkBench.CachedGcmUdf(columnKey, "c"), DataTypes.BinaryType);
    String naiveColumn = "SELECT naive_column_gcm(v) AS c FROM (" + source + ")";
    // Warm-up of every path (opens every subject in the executor), then alternating rounds.
    noop(spark, subject);
    noop(spark, column);
    noop(spark, naive);
    noop(spark, naiveColumn);
    noop(spark, clustered);
    String[] queries = {subject, column, naive, naiveColumn, clustered};
    double[][] rates = new double[queries.length][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int q = 0; q < queries.length; q++) {
        int which = (q + r) % queries.length; // rotate which path goes first
        rates[which][r] = rows / noop(spark, queries[which]);
      }
    }
    String sizes =
        " (median of " + rounds + " rounds, " + rows + " rows, " + distinct + " subjects)";
    roundRatio("lifecycle.spark-subject-vs-column", rates[0], rates[1], sizes);
    roundRatio("lifecycle.spark-subject-vs-naive", rates[0], rates[2], sizes);
    roundRatio("lifecycle.spark-naive-subject-vs-column", rates[2], rates[1], sizes);
    roundRatio("lifecycle.spark-naive-subject-vs-naive-column", rates[2], rates[3], sizes);
    roundRatio("lifecycle.spark-subject-clustered-vs-column", rates[4], rates[1], sizes);
    spark.stop();
  }

  /** Prints the median of per-round ratios (rounds ran side by side) and the median rates. */
  private static void roundRatio(String name, double[] ours, double[] base, String note) {
    double[] ratios = new double[ours.length];
    for (int r = 0; r < ours.length; r++) {
      ratios[r] = ours[r] / base[r];
    }
    System.out.printf(
        java.util.Locale.ROOT,
        "BENCH %s ratio=%.3f ours=%.4g baseline=%.4g unit=rows/s%s%n",
        name,
        BenchReport.median(ratios),
        BenchReport.median(ours),
        BenchReport.median(base),
        note);
  }

  /**
   * The hand-written per-subject baseline: a key per subject, derived once per executor from a
   * bench secret with HMAC-SHA256 (what a user without a registry would do), one cached {@code
   * Cipher} per subject and thread, IVs from a per-thread counter, the column name as associated
   * data, {@code iv || ct}. No key references and no erasure: the floor of "one key per subject".
   */
  static final class NaiveSubjectUdf implements UDF2<String, String, byte[]> {
    private static final long serialVersionUID = 1L;
    // Per JVM, as a user's static caches would be: the bench registers one instance.
    private static final Map<String, SecretKeySpec> KEYS = new ConcurrentHashMap<>();
    private static final ThreadLocal<Map<String, Cipher>> CIPHERS =
        ThreadLocal.withInitial(java.util.HashMap::new);
    private static final ThreadLocal<long[]> COUNTER =
        ThreadLocal.withInitial(() -> new long[] {new SecureRandom().nextLong()});
    private final byte[] context;

    NaiveSubjectUdf(String context) {
      this.context = context.getBytes(StandardCharsets.UTF_8);
    }

    private static SecretKeySpec derive(String subject) {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(new byte[32], "HmacSHA256")); // a bench-only secret
        return new SecretKeySpec(mac.doFinal(subject.getBytes(StandardCharsets.UTF_8)), "AES");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public byte[] call(String value, String subject) throws Exception {
      if (value == null) {
        return null;
      }
      Cipher c = CIPHERS.get().computeIfAbsent(subject, s -> SparkBench.CachedGcmUdf.newCipher());
      return SparkBench.CachedGcmUdf.seal(
          c,
          KEYS.computeIfAbsent(subject, NaiveSubjectUdf::derive),
          ++COUNTER.get()[0],
          context,
          value.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static long generateCalls(KmsBridge bridge) {
    var op = bridge.providerMetrics().operations().get("generate");
    return op == null ? 0 : op.calls();
  }

  private static double noop(SparkSession spark, String sql) {
    long t0 = System.nanoTime();
    spark.sql(sql).write().format("noop").mode("overwrite").save();
    return (System.nanoTime() - t0) / 1e9;
  }

  private static long files(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).count();
    }
  }

  private static long bytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }
}
