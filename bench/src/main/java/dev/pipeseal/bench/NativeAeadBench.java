package dev.pipeseal.bench;

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
 * {@code ./bench/run native}: issue #18's stretch question, measured before anything is built. A
 * per-value JNI call into libsodium's AES-256-GCM (precomputed key) against JCE's cached {@code
 * Cipher}, first in a plain loop (the cipher call alone), then inside Spark as the same
 * hand-written UDF with only the cipher call swapped, which bounds what a native backend could give
 * {@code spark.encrypt-str32-vs-udf} (ours is at parity with the JCE UDF). The issue adopts a
 * native backend only if that reaches 1.3.
 *
 * <p>Options: {@code --rows N} (Spark rows, default 5,000,000), {@code --rounds N} (default 5).
 */
final class NativeAeadBench {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final byte[] CONTEXT = "s".getBytes(StandardCharsets.UTF_8);

  private NativeAeadBench() {}

  static void run(String[] args) throws Exception {
    if (!NativeGcm.loaded()) {
      System.out.println(
          "BENCH-SKIP native: the libsodium shim is not loaded (./bench/run native builds it;"
              + " it needs gcc and libsodium-dev) or this CPU lacks AES-NI/CLMUL");
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

  /** The two backends must produce the same bytes (same key, nonce, AAD) and open each other's. */
  private static void checkAgreement(byte[] key) throws Exception {
    SecretKeySpec spec = new SecretKeySpec(key, "AES");
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    long h = NativeGcm.open(key, CONTEXT);
    try {
      for (int len : new int[] {0, 1, 15, 16, 32, 33, 1024}) {
        byte[] pt = new byte[len];
        new SecureRandom().nextBytes(pt);
        byte[] jce = SparkBench.CachedGcmUdf.seal(c, spec, 42 + len, CONTEXT, pt);
        byte[] nat = new byte[jce.length];
        System.arraycopy(jce, 0, nat, 0, 12);
        if (NativeGcm.seal(h, pt, len, nat) != 0 || !java.util.Arrays.equals(jce, nat)) {
          throw new IllegalStateException("libsodium and JCE disagree at " + len + " bytes");
        }
        byte[] back = new byte[len];
        nat[nat.length - 1] ^= 1;
        if (NativeGcm.open0(h, nat, nat.length, back) == 0) {
          throw new IllegalStateException("libsodium opened a tampered value");
        }
      }
    } finally {
      NativeGcm.close(h);
    }
  }

  /** CPU ns per seal of {@code len}-byte values on this thread: JCE then native, alternating. */
  private static void loop(String name, byte[] key, int len, int n, int rounds) throws Exception {
    SecretKeySpec spec = new SecretKeySpec(key, "AES");
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    long h = NativeGcm.open(key, CONTEXT);
    byte[][] values = new byte[1024][len];
    for (byte[] v : values) {
      new SecureRandom().nextBytes(v);
    }
    double[][] ns = new double[2][rounds];
    long sink = 0;
    long counter = 0;
    try {
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
              long ctr = ++counter;
              for (int b = 0; b < 8; b++) {
                out[4 + b] = (byte) (ctr >>> (56 - 8 * b));
              }
              NativeGcm.seal(h, pt, len, out);
            }
            sink += out[out.length - 1];
          }
          if (r >= 0) {
            ns[side][r] = (THREADS.getCurrentThreadCpuTime() - t0) / (double) n;
          }
        }
      }
    } finally {
      NativeGcm.close(h);
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
   * layout (a per-thread counter from a random start), the same AAD and output, one JNI call per
   * value into a per-thread precomputed libsodium key.
   */
  static final class NativeGcmUdf implements UDF1<String, byte[]> {
    private static final long serialVersionUID = 1L;
    private final byte[] key;
    private transient ThreadLocal<long[]> state;

    NativeGcmUdf(byte[] key) {
      this.key = key.clone();
    }

    @Override
    public byte[] call(String s) {
      if (s == null) {
        return null;
      }
      if (state == null) {
        // {handle, counter}; handles live as long as the bench JVM.
        state =
            ThreadLocal.withInitial(
                () -> new long[] {NativeGcm.open(key, CONTEXT), new SecureRandom().nextLong()});
      }
      long[] st = state.get();
      byte[] pt = s.getBytes(StandardCharsets.UTF_8);
      byte[] out = new byte[12 + pt.length + 16];
      long n = ++st[1];
      for (int i = 0; i < 8; i++) {
        out[4 + i] = (byte) (n >>> (56 - 8 * i));
      }
      if (NativeGcm.seal(st[0], pt, pt.length, out) != 0) {
        throw new IllegalStateException("libsodium seal failed");
      }
      return out;
    }
  }
}
