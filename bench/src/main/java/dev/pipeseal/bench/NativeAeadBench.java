package dev.pipeseal.bench;

import dev.pipeseal.crypto.aead.CallerNonceGcm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code ./bench/run native}: the native AES-GCM backend ({@code CallerNonceGcm} on {@link
 * CallerNonceGcm.Backend#NATIVE}: one JNI call into libsodium per value) against JCE's cached
 * {@code Cipher} as a hand-written UDF uses it, first in a plain loop (the cipher call alone, by
 * value size, which is where the backend's size threshold comes from), then inside Spark as that
 * hand-written UDF with only the cipher call swapped, next to ours (issue #18 adopted the backend
 * once the swapped UDF reached 1.3 over the JCE one). Prints a skip line where the backend is not
 * in use (a build without gcc and libsodium-dev, another platform).
 *
 * <p>Options: {@code --rows N} (Spark rows, default 5,000,000), {@code --rounds N} (default 5).
 */
final class NativeAeadBench {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final byte[] CONTEXT = "s".getBytes(StandardCharsets.UTF_8);

  private NativeAeadBench() {}

  static void run(String[] args) throws Exception {
    if (!CallerNonceGcm.backend().startsWith("native")) {
      System.out.println("BENCH-SKIP native: " + CallerNonceGcm.backend());
      return;
    }
    long rows = 5_000_000L;
    int rounds = 5;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--rows" -> rows = Long.parseLong(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    checkAgreement(key);
    loop("native.seal32-vs-jce", key, 32, 2_000_000, Math.max(rounds, 7));
    loop("native.seal256-vs-jce", key, 256, 1_000_000, Math.max(rounds, 7));
    loop("native.seal512-vs-jce", key, 512, 1_000_000, Math.max(rounds, 7));
    loop("native.seal1k-vs-jce", key, 1024, 500_000, Math.max(rounds, 7));
    spark(key, rows, rounds);
  }

  /** The two sides must produce the same bytes (same key, nonce, AAD), or nothing is measured. */
  private static void checkAgreement(byte[] key) throws Exception {
    SecretKeySpec spec = new SecretKeySpec(key, "AES");
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    CallerNonceGcm nat = nativeKey(key);
    for (int len : new int[] {0, 1, 15, 16, 32, 33, 1024}) {
      byte[] pt = new byte[len];
      new SecureRandom().nextBytes(pt);
      byte[] jce = SparkBench.CachedGcmUdf.seal(c, spec, 42 + len, CONTEXT, pt);
      byte[] out = new byte[jce.length];
      System.arraycopy(jce, 0, out, 0, 12);
      nat.seal(out, 0, 12, CONTEXT, null, pt, 0, len, out, 12);
      if (!java.util.Arrays.equals(jce, out)) {
        throw new IllegalStateException("native and JCE disagree at " + len + " bytes");
      }
    }
  }

  private static CallerNonceGcm nativeKey(byte[] key) {
    return CallerNonceGcm.create(key, CallerNonceGcm.Backend.NATIVE);
  }

  /** CPU ns per seal of {@code len}-byte values on this thread: JCE then native, alternating. */
  private static void loop(String name, byte[] key, int len, int n, int rounds) throws Exception {
    SecretKeySpec spec = new SecretKeySpec(key, "AES");
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    CallerNonceGcm nat = nativeKey(key);
    byte[][] values = new byte[1024][len];
    for (byte[] v : values) {
      new SecureRandom().nextBytes(v);
    }
    double[][] ns = new double[2][rounds];
    long sink = 0;
    long counter = 0;
    for (int r = -3; r < rounds; r++) {
      for (int k = 0; k < 2; k++) {
        int side = Math.floorMod(r + k, 2);
        long t0 = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
          byte[] pt = values[i & 1023];
          byte[] out;
          if (side == 0) {
            out = SparkBench.CachedGcmUdf.seal(c, spec, ++counter, CONTEXT, pt);
          } else {
            out = new byte[12 + len + 16];
            SparkBench.CachedGcmUdf.writeCounter(out, ++counter);
            nat.seal(out, 0, 12, CONTEXT, null, pt, 0, len, out, 12);
          }
          sink += out[out.length - 1];
        }
        if (r >= 0) {
          ns[side][r] = (THREADS.getCurrentThreadCpuTime() - t0) / (double) n;
        }
      }
    }
    BenchReport.ratio(
        name, 1e9 / BenchReport.median(ns[1]), 1e9 / BenchReport.median(ns[0]), "seals/cpu-s");
    BenchReport.value(name + ".native-ns", BenchReport.median(ns[1]), "ns/value");
    BenchReport.value(name + ".jce-ns", BenchReport.median(ns[0]), "ns/value");
    if (sink == 42) {
      BenchReport.value(name + ".sink", sink, "");
    }
  }

  private static void spark(byte[] key, long rows, int rounds) throws Exception {
    Path dir = Files.createTempDirectory("pipeseal-bench-native");
    SparkSession spark = SparkBench.session(dir);
    try {
      String keyHex = "X'" + HexFormat.of().formatHex(key) + "'";
      spark
          .udf()
          .register("cached_gcm", new SparkBench.CachedGcmUdf(key, "s"), DataTypes.BinaryType);
      spark.udf().register("native_gcm", new NativeGcmUdf(key), DataTypes.BinaryType);
      Dataset<Row> input =
          spark.range(0, rows, 1, 2).selectExpr("lpad(CAST(id AS STRING), 32, 'x') AS s").cache();
      input.createOrReplaceTempView("input");
      input.write().format("noop").mode("overwrite").save();
      String ours = "SELECT pipeseal_encrypt(s, 'bench') AS e FROM input";
      String udf = "SELECT cached_gcm(s) AS e FROM input";
      String nat = "SELECT native_gcm(s) AS e FROM input";
      String builtin = "SELECT aes_encrypt(s, " + keyHex + ", 'GCM') AS e FROM input";
      SparkBench.warm(spark, ours, udf, nat, builtin);
      SparkBench.report(
          "native.spark-native-udf-vs-udf", SparkBench.alternate(spark, rounds, rows, nat, udf));
      SparkBench.report(
          "native.spark-ours-vs-udf", SparkBench.alternate(spark, rounds, rows, ours, udf));
      SparkBench.report(
          "native.spark-native-udf-vs-builtin",
          SparkBench.alternate(spark, rounds, rows, nat, builtin));
    } finally {
      spark.stop();
      SparkBench.deleteRecursively(dir);
    }
  }

  /**
   * The JCE UDF of {@link SparkBench.CachedGcmUdf} with only the cipher call swapped: the same IV
   * layout (a per-thread counter from a random start), the same AAD and output, one native key
   * shared by the task threads (its state is read-only).
   */
  static final class NativeGcmUdf implements UDF1<String, byte[]> {
    private static final long serialVersionUID = 1L;
    private final byte[] key;
    private transient volatile CallerNonceGcm gcm;
    private transient ThreadLocal<long[]> counter;

    NativeGcmUdf(byte[] key) {
      this.key = key.clone();
    }

    @Override
    public byte[] call(String s) {
      if (s == null) {
        return null;
      }
      CallerNonceGcm g = gcm;
      if (g == null) {
        synchronized (this) {
          if (gcm == null) {
            // The counter first: the volatile write of gcm publishes it to the other task threads.
            counter = ThreadLocal.withInitial(() -> new long[] {new SecureRandom().nextLong()});
            gcm = nativeKey(key);
          }
          g = gcm;
        }
      }
      byte[] pt = s.getBytes(StandardCharsets.UTF_8);
      byte[] out = new byte[12 + pt.length + 16];
      SparkBench.CachedGcmUdf.writeCounter(out, ++counter.get()[0]);
      g.seal(out, 0, 12, CONTEXT, null, pt, 0, pt.length, out, 12);
      return out;
    }
  }
}
