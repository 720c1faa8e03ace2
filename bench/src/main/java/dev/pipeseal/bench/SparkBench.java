package dev.pipeseal.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.spark.PipesealExtensions;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code ./bench/run spark [--rows N] [--vectors N] [--rounds N]}: the Pipeseal SQL functions
 * against Spark's built-in {@code aes_encrypt}/{@code aes_decrypt} and against a hand-written Java
 * UDF with a thread-local cached Cipher, same rows, same local[2] session, to the {@code noop}
 * sink. Inputs are cached first; outputs only after every encrypt case ran (Spark would otherwise
 * answer a repeated encrypt query from the cache). Rounds alternate ours/baseline; medians, by wall
 * clock and (lines ending in {@code -cpu}) by this JVM's CPU time over the same runs.
 */
final class SparkBench {
  private static final int VECTOR_DIM = 768;

  private SparkBench() {}

  static void run(String[] args) throws Exception {
    long rows = 10_000_000L;
    long vectors = 1_000_000L;
    int rounds = 3;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--rows" -> rows = Long.parseLong(args[i + 1]);
        case "--vectors" -> vectors = Long.parseLong(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("pipeseal-bench-spark");
    SparkSession spark = session(dir);
    try {
      byte[] aesKey = new byte[32];
      new SecureRandom().nextBytes(aesKey);
      String keyHex = "X'" + HexFormat.of().formatHex(aesKey) + "'";
      spark.udf().register("cached_gcm", new CachedGcmUdf(aesKey, "s"), DataTypes.BinaryType);
      spark
          .udf()
          .register("cached_gcm_open", new CachedGcmOpenUdf(aesKey, "s"), DataTypes.StringType);
      spark
          .udf()
          .register("cached_gcm_floats", new CachedGcmFloatsUdf(aesKey), DataTypes.BinaryType);

      Dataset<Row> input =
          spark.range(0, rows, 1, 2).selectExpr("lpad(CAST(id AS STRING), 32, 'x') AS s").cache();
      input.createOrReplaceTempView("input");
      input.write().format("noop").mode("overwrite").save();

      String ours = "SELECT pipeseal_encrypt(s, 'bench') AS e FROM input";
      String builtin = "SELECT aes_encrypt(s, " + keyHex + ", 'GCM') AS e FROM input";
      String udf = "SELECT cached_gcm(s) AS e FROM input";
      warm(spark, ours, builtin, udf);
      report("spark.encrypt-str32", alternate(spark, rounds, rows, ours, builtin));
      report("spark.encrypt-str32-vs-udf", alternate(spark, rounds, rows, ours, udf));

      // Decrypt inputs: materialized only now, after every encrypt case.
      spark
          .sql("SELECT pipeseal_encrypt(s, 'bench', 's') AS e FROM input")
          .cache()
          .createOrReplaceTempView("ours_enc");
      spark.sql(builtin).cache().createOrReplaceTempView("builtin_enc");
      spark.sql(udf).cache().createOrReplaceTempView("udf_enc");
      spark.table("ours_enc").write().format("noop").mode("overwrite").save();
      spark.table("builtin_enc").write().format("noop").mode("overwrite").save();
      spark.table("udf_enc").write().format("noop").mode("overwrite").save();
      String oursDec = "SELECT pipeseal_decrypt(e, 'string', 's') AS s FROM ours_enc";
      String builtinDec =
          "SELECT CAST(aes_decrypt(e, " + keyHex + ", 'GCM') AS STRING) AS s FROM builtin_enc";
      String udfDec = "SELECT cached_gcm_open(e) AS s FROM udf_enc";
      warm(spark, oursDec, builtinDec, udfDec);
      report("spark.decrypt-str32", alternate(spark, rounds, rows, oursDec, builtinDec));
      report("spark.decrypt-str32-vs-udf", alternate(spark, rounds, rows, oursDec, udfDec));
      spark.catalog().clearCache();

      // Vectors come from a cache (as UnsafeArrayData, like any scan): 1M x 3 KiB does not fit the
      // heap, so at most 250k distinct vectors are cached and read as often as needed.
      long distinct = Math.min(vectors, 250_000L);
      long copies = Math.max(1, vectors / distinct);
      long vectorRows = distinct * copies;
      Dataset<Row> cachedVectors =
          spark
              .range(0, distinct, 1, 2)
              .selectExpr(
                  "transform(sequence(1, " + VECTOR_DIM + "), x -> CAST(x * id AS FLOAT)) AS v")
              .cache();
      cachedVectors.write().format("noop").mode("overwrite").save();
      cachedVectors.createOrReplaceTempView("distinct_vectors");
      spark
          .sql(
              String.join(
                  " UNION ALL ",
                  java.util.Collections.nCopies((int) copies, "SELECT v FROM distinct_vectors")))
          .createOrReplaceTempView("vectors");
      String oursVec = "SELECT pipeseal_encrypt(v, 'bench') AS e FROM vectors";
      String udfVec = "SELECT cached_gcm_floats(v) AS e FROM vectors";
      warm(spark, oursVec, udfVec);
      double[] vec =
          report("spark.embed768", alternate(spark, rounds, vectorRows, oursVec, udfVec));
      BenchReport.value(
          "spark.embed768-gbps", BenchReport.median(vec) * VECTOR_DIM * Float.BYTES / 1e9, "GB/s");
    } finally {
      spark.stop();
      deleteRecursively(dir); // the bench key store and registry
    }
  }

  static void deleteRecursively(Path root) throws java.io.IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  static SparkSession session(Path dir) throws Exception {
    Path password = dir.resolve("password");
    Files.writeString(password, "bench-only\n");
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.pipeseal.kms.uri", "local:" + dir.resolve("keys.p12"));
    conf.put("spark.pipeseal.kms.provider.password", "file:" + password);
    conf.put("spark.pipeseal.kms.provider.create", "true");
    conf.put("spark.pipeseal.kms.audit.sink", "none");
    conf.put("spark.pipeseal.registry.location", dir.resolve("registry").toString());
    Map<String, String> admin = new LinkedHashMap<>();
    conf.forEach((k, v) -> admin.put(k.substring("spark.".length()), v));
    try (KmsBridge bridge = KmsBridge.open(admin)) {
      bridge.admin().orElseThrow().createKey("bench");
    }
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.extensions", PipesealExtensions.class.getName());
    conf.forEach(b::config);
    SparkSession spark = b.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    return spark;
  }

  /**
   * Warm-up counted in rows, not seconds: measured here, our encrypt path ran at half speed for the
   * first few million rows (C2 compiles the generated code and the cipher calls late).
   */
  static void warm(SparkSession spark, String... queries) {
    for (int i = 0; i < 3; i++) {
      for (String q : queries) {
        spark.sql(q + " LIMIT 1000000").write().format("noop").mode("overwrite").save();
      }
    }
  }

  /**
   * Rows per second of each query, alternating, {@code rounds} times: {ours, baseline} by wall
   * clock, then {ours, baseline} per second of this JVM's CPU time over the same runs. On a shared
   * machine other jobs' load moves the first pair from round to round; it hardly moves the second.
   */
  static double[][] alternate(
      SparkSession spark, int rounds, long rows, String ours, String baseline) {
    double[][] r = new double[4][rounds];
    for (int i = 0; i < rounds; i++) {
      double[] a = seconds(spark, ours);
      double[] b = seconds(spark, baseline);
      r[0][i] = rows / a[0];
      r[1][i] = rows / b[0];
      r[2][i] = rows / a[1];
      r[3][i] = rows / b[1];
    }
    return r;
  }

  /** Prints the wall-clock line and the CPU-time line of one case. */
  static double[] report(String name, double[][] r) {
    BenchReport.ratio(name, BenchReport.median(r[0]), BenchReport.median(r[1]), "rows/s");
    BenchReport.ratio(
        name + "-cpu", BenchReport.median(r[2]), BenchReport.median(r[3]), "rows/cpu-s");
    return r[0];
  }

  /** {wall seconds, process CPU seconds} of one run. */
  private static double[] seconds(SparkSession spark, String query) {
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    spark.sql(query).write().format("noop").mode("overwrite").save();
    return new double[] {(System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e9};
  }

  /**
   * The hand-written baseline: one cached Cipher per thread, the key spec built once, unique IVs (a
   * per-thread counter from a random start), the column name as associated data, iv || ct.
   */
  static final class CachedGcmUdf implements UDF1<String, byte[]> {
    private static final long serialVersionUID = 1L;
    private final SecretKeySpec keySpec; // serializable: built once, shipped with the UDF
    private final byte[] context;
    private transient ThreadLocal<Cipher> cipher;
    private transient ThreadLocal<long[]> counter;

    CachedGcmUdf(byte[] key, String context) {
      this.keySpec = new SecretKeySpec(key, "AES");
      this.context = context.getBytes(StandardCharsets.UTF_8);
    }

    Cipher cipher() throws Exception {
      if (cipher == null) {
        cipher = ThreadLocal.withInitial(CachedGcmUdf::newCipher);
        counter = ThreadLocal.withInitial(() -> new long[] {new SecureRandom().nextLong()});
      }
      return cipher.get();
    }

    static Cipher newCipher() {
      try {
        return Cipher.getInstance("AES/GCM/NoPadding");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    byte[] seal(byte[] plaintext) throws Exception {
      Cipher c = cipher();
      return seal(c, keySpec, ++counter.get()[0], context, plaintext);
    }

    /**
     * {@code iv || ct || tag} of {@code plaintext} under {@code key} on {@code c}, the IV's last 8
     * bytes the counter {@code n}, {@code context} as associated data.
     */
    static byte[] seal(Cipher c, SecretKeySpec key, long n, byte[] context, byte[] plaintext)
        throws Exception {
      byte[] out = new byte[12 + plaintext.length + 16];
      writeCounter(out, n);
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, out, 0, 12));
      c.updateAAD(context); // binds the column, as ours does (and as core's cached baseline)
      c.doFinal(plaintext, 0, plaintext.length, out, 12);
      return out;
    }

    /** The IV layout of this baseline: the counter {@code n} in the last 8 of 12 bytes. */
    static void writeCounter(byte[] iv, long n) {
      for (int i = 0; i < 8; i++) {
        iv[4 + i] = (byte) (n >>> (56 - 8 * i));
      }
    }

    @Override
    public byte[] call(String s) throws Exception {
      return s == null ? null : seal(s.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * The hand-written decrypt baseline, the inverse of {@link CachedGcmUdf}: one cached Cipher per
   * thread, iv || ct in, the column name as associated data, a Java String out (what a user's UDF
   * returns; Spark converts it to its own UTF-8 string).
   */
  static final class CachedGcmOpenUdf implements UDF1<byte[], String> {
    private static final long serialVersionUID = 1L;
    private final CachedGcmUdf gcm;

    CachedGcmOpenUdf(byte[] key, String context) {
      this.gcm = new CachedGcmUdf(key, context);
    }

    @Override
    public String call(byte[] e) throws Exception {
      if (e == null) {
        return null;
      }
      Cipher c = gcm.cipher();
      c.init(Cipher.DECRYPT_MODE, gcm.keySpec, new GCMParameterSpec(128, e, 0, 12));
      c.updateAAD(gcm.context);
      byte[] pt = c.doFinal(e, 12, e.length - 12);
      return new String(pt, StandardCharsets.UTF_8);
    }
  }

  /** The same baseline for float vectors: Spark hands a Java UDF a boxed Scala sequence. */
  static final class CachedGcmFloatsUdf implements UDF1<scala.collection.Seq<Float>, byte[]> {
    private static final long serialVersionUID = 1L;
    private final CachedGcmUdf gcm;

    CachedGcmFloatsUdf(byte[] key) {
      this.gcm = new CachedGcmUdf(key, "v");
    }

    @Override
    public byte[] call(scala.collection.Seq<Float> v) throws Exception {
      if (v == null) {
        return null;
      }
      int n = v.length();
      ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        buf.putFloat(v.apply(i));
      }
      return gcm.seal(buf.array());
    }
  }
}
