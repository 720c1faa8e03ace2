package dev.pipeseal.bench;

import dev.pipeseal.bench.batch.BatchDecryptor;
import dev.pipeseal.bench.batch.BatchEncryptor;
import dev.pipeseal.bench.batch.ColumnBatch;
import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.key.DataKey;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code ./bench/run core}: the batch cipher API against plain JCE loops, side by side in one run.
 * Each case alternates ours/baseline rounds after a warm-up counted in calls (not seconds) and
 * reports the median of per-round throughputs.
 */
final class CoreBench {
  private static final int SMALL = 64;
  private static final int BATCH = 1 << 14;
  private static final int MIB = 1 << 20;
  private static final int CHUNK = 16 * 1024;
  private static final EnvelopeContext CONTEXT = EnvelopeContext.of("bench.table.column");
  private static final byte[] CONTEXT_BYTES = CONTEXT.bytes();
  // A registry-style 8-byte key reference: the Spark column default.
  private static final KeyReference REF = KeyReference.registryKeyId(new byte[8]);

  private CoreBench() {}

  static void run(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--cold")) {
      coldChild(args[1]);
      return;
    }
    try (DataKey key = DataKey.generate(Long.MAX_VALUE)) {
      gcm64(key);
      gcm1mWarm(key);
      gcm1mCold();
      embed768(key);
      det64(key);
    }
  }

  // --- gcm64 and gcm64-vs-spark -------------------------------------------------------------

  private static void gcm64(DataKey key) throws Exception {
    byte[][] values = randomValues(BATCH, SMALL);
    ColumnBatch column = ColumnBatch.of(values);
    byte[] raw = rawKey(key);
    SecretKey jceKey = new SecretKeySpec(raw, "AES");
    try (BatchEncryptor ours = BatchEncryptor.create(key, Algorithm.XAES_256_GCM, REF)) {
      Cipher cached = Cipher.getInstance("AES/GCM/NoPadding");
      long[] counter = {0};
      Runnable oursRound = () -> ours.encrypt(column, CONTEXT);
      Runnable cachedRound = () -> cachedCipherLoop(cached, jceKey, values, counter);
      Runnable sparkRound = () -> cipherPerValueLoop(raw, values);
      Rounds.warm(40, oursRound, cachedRound, sparkRound);
      double[][] r = Rounds.alternate(oursRound, cachedRound);
      BenchReport.ratio(
          "core.gcm64",
          BATCH / BenchReport.median(r[0]),
          BATCH / BenchReport.median(r[1]),
          "values/s");
      double[][] s = Rounds.alternate(oursRound, sparkRound);
      BenchReport.ratio(
          "core.gcm64-vs-spark",
          BATCH / BenchReport.median(s[0]),
          BATCH / BenchReport.median(s[1]),
          "values/s");
    } finally {
      DataKey.zero(raw);
    }
  }

  /**
   * The per-call limit of JCE: one cached Cipher, counter IVs, one doFinal per value, every
   * ciphertext kept (written side by side into one output array per batch, as ours does).
   */
  private static void cachedCipherLoop(
      Cipher cipher, SecretKey key, byte[][] values, long[] counter) {
    try {
      byte[] iv = new byte[12];
      byte[] out = new byte[values.length * (SMALL + 16)];
      int pos = 0;
      for (byte[] v : values) {
        long c = ++counter[0];
        for (int i = 0; i < 8; i++) {
          iv[4 + i] = (byte) (c >>> (56 - 8 * i));
        }
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
        cipher.updateAAD(CONTEXT_BYTES);
        pos += cipher.doFinal(v, 0, v.length, out, pos);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static final SecureRandom SPARK_RANDOM = new SecureRandom();

  /** Spark {@code aes_encrypt} style: Cipher and key spec per value, random IV, iv || ct. */
  private static void cipherPerValueLoop(byte[] rawKey, byte[][] values) {
    try {
      for (byte[] v : values) {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] iv = new byte[12];
        SPARK_RANDOM.nextBytes(iv);
        c.init(
            Cipher.ENCRYPT_MODE, new SecretKeySpec(rawKey, "AES"), new GCMParameterSpec(128, iv));
        byte[] out = new byte[12 + v.length + 16];
        System.arraycopy(iv, 0, out, 0, 12);
        c.doFinal(v, 0, v.length, out, 12);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // --- gcm1m ----------------------------------------------------------------------------------

  private static void gcm1mWarm(DataKey key) throws Exception {
    byte[][] blob = randomValues(1, MIB);
    byte[] raw = rawKey(key);
    SecretKey jceKey = new SecretKeySpec(raw, "AES");
    DataKey.zero(raw);
    Cipher chunked = Cipher.getInstance("AES/GCM/NoPadding");
    int perRound = 64;
    try (BatchEncryptor ours = BatchEncryptor.create(key, Algorithm.XAES_256_GCM, REF)) {
      Runnable oursRound =
          () -> {
            for (int i = 0; i < perRound; i++) {
              ours.encrypt(blob, CONTEXT);
            }
          };
      long[] counter = {0};
      Runnable baseRound =
          () -> {
            for (int i = 0; i < perRound; i++) {
              chunkedJce(chunked, jceKey, blob[0], counter);
            }
          };
      Rounds.warm(40, oursRound, baseRound);
      double[][] r = Rounds.alternate(oursRound, baseRound);
      double bytes = (double) perRound * MIB;
      BenchReport.ratio(
          "core.gcm1m-warm",
          bytes / BenchReport.median(r[0]) / 1e9,
          bytes / BenchReport.median(r[1]) / 1e9,
          "GB/s");
    }
  }

  /** JCE encrypt fed in 16 KiB update calls: the fast path a fresh JVM reaches at once. */
  private static void chunkedJce(Cipher cipher, SecretKey key, byte[] value, long[] counter) {
    try {
      byte[] iv = new byte[12];
      long c = ++counter[0];
      for (int i = 0; i < 8; i++) {
        iv[4 + i] = (byte) (c >>> (56 - 8 * i));
      }
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
      cipher.updateAAD(CONTEXT_BYTES);
      byte[] out = new byte[value.length + 16];
      int written = 0;
      for (int off = 0; off < value.length; off += CHUNK) {
        written += cipher.update(value, off, Math.min(CHUNK, value.length - off), out, written);
      }
      cipher.doFinal(out, written);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Fresh JVMs, 2 seconds each, alternating; the first seconds are what short Spark tasks see. */
  private static void gcm1mCold() throws Exception {
    int pairs = 3;
    double[] ours = new double[pairs];
    double[] base = new double[pairs];
    for (int i = 0; i < pairs; i++) {
      ours[i] = spawnCold("ours");
      base[i] = spawnCold("baseline");
    }
    BenchReport.ratio(
        "core.gcm1m-cold", BenchReport.median(ours), BenchReport.median(base), "GB/s");
  }

  private static double spawnCold(String which) throws Exception {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(BenchMain.class.getName());
    cmd.add("core");
    cmd.add("--cold");
    cmd.add(which);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String result = null;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("COLD ")) {
          result = line.substring(5).trim();
        }
      }
    }
    if (p.waitFor() != 0 || result == null) {
      throw new IllegalStateException("cold child '" + which + "' failed");
    }
    return Double.parseDouble(result);
  }

  /** Runs in the fresh JVM: encrypt 1 MiB values for 2 seconds from process start. */
  private static void coldChild(String which) throws Exception {
    long start = System.nanoTime();
    long deadline = start + 2_000_000_000L;
    byte[][] blob = randomValues(1, MIB);
    long bytes = 0;
    try (DataKey key = DataKey.generate(Long.MAX_VALUE)) {
      if (which.equals("ours")) {
        try (BatchEncryptor ours = BatchEncryptor.create(key, Algorithm.XAES_256_GCM, REF)) {
          while (System.nanoTime() < deadline) {
            ours.encrypt(blob, CONTEXT);
            bytes += MIB;
          }
        }
      } else {
        byte[] raw = rawKey(key);
        SecretKey jceKey = new SecretKeySpec(raw, "AES");
        DataKey.zero(raw);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        long[] counter = {0};
        while (System.nanoTime() < deadline) {
          chunkedJce(c, jceKey, blob[0], counter);
          bytes += MIB;
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.println("COLD " + (bytes / seconds / 1e9));
  }

  // --- embed768 -------------------------------------------------------------------------------

  private static void embed768(DataKey key) {
    int n = 4096;
    float[][] vectors = new float[n][768];
    SecureRandom random = new SecureRandom();
    for (float[] v : vectors) {
      for (int i = 0; i < v.length; i++) {
        v[i] = random.nextFloat();
      }
    }
    try (BatchEncryptor enc = BatchEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        BatchDecryptor dec = BatchDecryptor.create(key)) {
      Runnable round =
          () -> {
            byte[][] sealed = enc.encryptFloats(vectors, CONTEXT);
            float[][] back = dec.decryptFloats(sealed, CONTEXT);
            if (back[n - 1][767] != vectors[n - 1][767]) {
              throw new IllegalStateException("round trip mismatch");
            }
          };
      Rounds.warm(40, round);
      double[] times = new double[Rounds.COUNT];
      for (int i = 0; i < Rounds.COUNT; i++) {
        times[i] = Rounds.seconds(round);
      }
      BenchReport.value(
          "core.embed768", (double) n * 768 * 4 / BenchReport.median(times) / 1e9, "GB/s");
    }
  }

  // --- det64 ----------------------------------------------------------------------------------

  private static void det64(DataKey key) {
    ColumnBatch column = ColumnBatch.of(randomValues(BATCH, SMALL));
    try (BatchEncryptor det = BatchEncryptor.create(key, Algorithm.AES_SIV, REF);
        BatchEncryptor gcm = BatchEncryptor.create(key, Algorithm.XAES_256_GCM, REF)) {
      Runnable detRound = () -> det.encrypt(column, CONTEXT);
      Runnable gcmRound = () -> gcm.encrypt(column, CONTEXT);
      Rounds.warm(40, detRound, gcmRound);
      double[][] r = Rounds.alternate(detRound, gcmRound);
      BenchReport.ratio(
          "core.det64",
          BATCH / BenchReport.median(r[0]),
          BATCH / BenchReport.median(r[1]),
          "values/s");
    }
  }

  private static byte[][] randomValues(int n, int size) {
    SecureRandom random = new SecureRandom();
    byte[][] out = new byte[n][size];
    for (byte[] v : out) {
      random.nextBytes(v);
    }
    return out;
  }

  /** The baselines need the raw key; only the benchmark borrows it. */
  private static byte[] rawKey(DataKey key) {
    return key.withMaterial(byte[]::clone);
  }
}
