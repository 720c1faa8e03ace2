package dev.pipeseal.bench;

import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.parquet.crypto.PipesealCryptoFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code ./bench/run parquet [--rows N] [--rounds R] [--dir D] [--key-bits 128|192|256]}: Spark
 * local[2] writes N rows of PII strings plus a 768-float embedding to Parquet, then reads every
 * column back into the {@code noop} sink. Rounds alternate between the variants of a case; each
 * case reports the median of per-round throughputs (rows/s).
 *
 * <ul>
 *   <li>{@code write}, {@code read}: our factory and KMS client on the local key store vs the same
 *       workload unencrypted.
 *   <li>{@code vs-stock-write}, {@code vs-stock-read}: ours vs the stock {@code
 *       PropertiesDrivenCryptoFactory} with Parquet's test {@code InMemoryKMS}, same columns.
 * </ul>
 *
 * The input is generated once and persisted (memory, then disk), so rounds measure Parquet, not
 * data generation. Each variant writes its own directory, so no round reads another's output.
 */
final class ParquetBench {
  private static final String[] PII = {"ssn", "email", "name"};

  private ParquetBench() {}

  static void run(String[] args) throws Exception {
    long rows = 1_000_000;
    int rounds = 5;
    Path dir = null;
    String keyBits = "256";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--rows" -> rows = Long.parseLong(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--dir" -> dir = Path.of(args[i + 1]);
        case "--key-bits" -> keyBits = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path work = dir == null ? Files.createTempDirectory("pipeseal-parquet-bench-") : dir;
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("pipeseal-parquet-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    try {
      Dataset<Row> input = input(spark, rows);
      Map<String, String> plain = Map.of();
      Map<String, String> ours = ours(work, keyBits);
      Map<String, String> stock = stock();
      // Warm up every path once (JIT, KEK caches, KMS client creation) with a small slice.
      Dataset<Row> warm = input.limit((int) Math.min(rows, 20_000));
      for (Map<String, String> o : List.of(plain, ours, stock)) {
        write(warm, o, work.resolve("warm"));
        read(spark, o, work.resolve("warm"));
      }
      Variant p = new Variant("plain", plain, work.resolve("plain"));
      Variant o = new Variant("ours", ours, work.resolve("ours"));
      Variant s = new Variant("stock", stock, work.resolve("stock"));
      double[][] w = new double[3][rounds];
      double[][] r = new double[3][rounds];
      Variant[] all = {p, o, s};
      for (int round = 0; round < rounds; round++) {
        for (int v = 0; v < all.length; v++) {
          // Rotate the order each round so no variant always runs first.
          int idx = (v + round) % all.length;
          w[idx][round] = rows / write(input, all[idx].options, all[idx].path);
          r[idx][round] = rows / read(spark, all[idx].options, all[idx].path);
        }
      }
      String unit = "rows/s";
      BenchReport.ratio("parquet.write", BenchReport.median(w[1]), BenchReport.median(w[0]), unit);
      BenchReport.ratio("parquet.read", BenchReport.median(r[1]), BenchReport.median(r[0]), unit);
      BenchReport.ratio(
          "parquet.vs-stock-write", BenchReport.median(w[1]), BenchReport.median(w[2]), unit);
      BenchReport.ratio(
          "parquet.vs-stock-read", BenchReport.median(r[1]), BenchReport.median(r[2]), unit);
      input.unpersist();
    } finally {
      spark.stop();
      SharedKmsBridges.closeAll();
      if (dir == null) {
        delete(work);
      }
    }
  }

  private record Variant(String name, Map<String, String> options, Path path) {}

  private static Dataset<Row> input(SparkSession spark, long rows) {
    Dataset<Row> df =
        spark
            .range(0, rows, 1, 2)
            .selectExpr(
                "id",
                "format_string('%03d-%02d-%04d', id % 1000, id % 100, id % 10000) as ssn",
                "concat('user', id, '@example.com') as email",
                "concat('Name ', id) as name",
                "transform(sequence(0, 767), d -> cast(rand() as float)) as embedding");
    df.persist(StorageLevel.MEMORY_AND_DISK());
    df.count();
    return df;
  }

  /** Our factory, local key store, PII and embedding under separate master keys. */
  private static Map<String, String> ours(Path work, String keyBits) throws IOException {
    Path keys = Files.createDirectories(work.resolve("keys"));
    Path pass = keys.resolve("store.pass");
    Files.writeString(pass, "bench store password\n");
    Map<String, String> o = new HashMap<>();
    o.put("parquet.crypto.factory.class", PipesealCryptoFactory.class.getName());
    o.put("pipeseal.kms.uri", "local://" + keys.resolve("keys.p12"));
    o.put("pipeseal.kms.provider.password", "file:" + pass);
    o.put("pipeseal.kms.provider.create", "true");
    o.put("pipeseal.kms.audit.sink", "none");
    var admin = SharedKmsBridges.pinned(bridge(o)).bridge().admin().orElseThrow();
    admin.createKey("pii");
    admin.createKey("emb");
    o.put("pipeseal.parquet.columns.pii", String.join(",", PII));
    o.put("pipeseal.parquet.columns.emb", "type:array<float>");
    o.put("pipeseal.parquet.footer.key", "pii");
    o.put("pipeseal.parquet.data-key-bits", keyBits);
    return Map.copyOf(o);
  }

  private static Map<String, String> bridge(Map<String, String> o) {
    Map<String, String> b = new HashMap<>();
    o.forEach(
        (k, v) -> {
          if (k.startsWith("pipeseal.kms.")) {
            b.put(k, v);
          }
        });
    return b;
  }

  /** The stock factory and InMemoryKMS, the same columns, leaf paths written out. */
  private static Map<String, String> stock() {
    SecureRandom random = new SecureRandom();
    byte[] a = new byte[16];
    byte[] b = new byte[16];
    random.nextBytes(a);
    random.nextBytes(b);
    Base64.Encoder e = Base64.getEncoder();
    Map<String, String> s = new HashMap<>();
    s.put(
        "parquet.crypto.factory.class",
        "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory");
    s.put(
        "parquet.encryption.kms.client.class",
        "org.apache.parquet.crypto.keytools.mocks.InMemoryKMS");
    s.put(
        "parquet.encryption.key.list",
        "pii:" + e.encodeToString(a) + ",emb:" + e.encodeToString(b));
    s.put(
        "parquet.encryption.column.keys",
        "pii:" + String.join(",", PII) + ";emb:embedding.list.element");
    s.put("parquet.encryption.footer.key", "pii");
    return Map.copyOf(s);
  }

  /** Seconds to write {@code df} to {@code path}. */
  private static double write(Dataset<Row> df, Map<String, String> options, Path path) {
    long t0 = System.nanoTime();
    df.write().options(options).mode("overwrite").parquet(path.toString());
    return (System.nanoTime() - t0) / 1e9;
  }

  /** Seconds to read every column of {@code path} into the noop sink. */
  private static double read(SparkSession spark, Map<String, String> options, Path path) {
    long t0 = System.nanoTime();
    spark
        .read()
        .options(options)
        .parquet(path.toString())
        .write()
        .format("noop")
        .mode("overwrite")
        .save();
    return (System.nanoTime() - t0) / 1e9;
  }

  private static void delete(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
