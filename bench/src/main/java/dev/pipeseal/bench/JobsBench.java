package dev.pipeseal.bench;

import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.SharedKmsBridges;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.crypto.keytools.KeyToolkit;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * {@code ./bench/run jobs [--files N] [--rounds R] [--dir D]}: the lake jobs through the CLI (local
 * engine, 2 threads, local key store).
 *
 * <ul>
 *   <li>{@code rewrap-scaling-external}: rotate N files of ~4 KB vs N files of ~4 MB with external
 *       key material after a master-key roll; ratio = large files/s / small files/s (target &gt;=
 *       0.8: cost must not grow with bytes).
 *   <li>{@code rewrap-scaling-registry}: the same, with one registry-referenced key per file
 *       (rotation rewraps the registry; data files are not opened).
 *   <li>{@code rewrap-vs-reencrypt}: rotate (rewrap) vs reencrypt (full rewrite) of the same ~4 MB
 *       files, files/s.
 * </ul>
 *
 * Each round rolls the master key first, so every rotation has work to do.
 */
final class JobsBench {
  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message row { required int64 id; required binary ssn (UTF8); required binary blob; }");

  private JobsBench() {}

  static void run(String[] args) throws Exception {
    int files = 1000;
    int rounds = 3;
    Path dir = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--files" -> files = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--dir" -> dir = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path work = dir == null ? Files.createTempDirectory("pipeseal-jobs-bench-") : dir;
    Map<String, String> kms = localStore(work.resolve("keys"));
    KmsAdmin admin = SharedKmsBridges.pinned(kms).bridge().admin().orElseThrow();
    admin.createKey("pii");
    Map<String, String> external = new LinkedHashMap<>(kms);
    external.put(
        "parquet.crypto.factory.class", "dev.pipeseal.parquet.crypto.PipesealCryptoFactory");
    external.put("pipeseal.parquet.columns.pii", "ssn");
    external.put("pipeseal.parquet.key-material", "external");
    Path small = work.resolve("small");
    Path large = work.resolve("large");
    Path reenc = work.resolve("reencrypt");
    for (int i = 0; i < files; i++) {
      write(external, small.resolve("part-" + i + ".parquet"), 1, 4 * 1024, i);
      write(external, large.resolve("part-" + i + ".parquet"), 64, 64 * 1024, i);
      write(external, reenc.resolve("part-" + i + ".parquet"), 64, 64 * 1024, i);
    }
    Path smallReg = work.resolve("registry-small");
    Path largeReg = work.resolve("registry-large");
    try (KmsBridge bridge = KmsBridge.open(kms);
        KeyRegistry rs = KeyRegistries.open(smallReg);
        KeyRegistry rl = KeyRegistries.open(largeReg)) {
      // One referenced key per file; the data files themselves are never opened by a rewrap.
      for (int i = 0; i < files; i++) {
        try (var pair = bridge.generateDataKey("pii").toCompletableFuture().join()) {
          rs.register(pair.wrapped());
        }
        try (var pair = bridge.generateDataKey("pii").toCompletableFuture().join()) {
          rl.register(pair.wrapped());
        }
      }
    }
    double[] ext = new double[rounds];
    double[] reg = new double[rounds];
    double[] vs = new double[rounds];
    double extSmall = 0;
    double extLarge = 0;
    double regSmall = 0;
    double regLarge = 0;
    double rotateRate = 0;
    double reencRate = 0;
    for (int r = 0; r < rounds; r++) {
      roll(admin, kms);
      boolean smallFirst = r % 2 == 0;
      double s1 = smallFirst ? rate(files, kms, "rotate", small.toString()) : 0;
      double l1 = rate(files, kms, "rotate", large.toString());
      if (!smallFirst) {
        s1 = rate(files, kms, "rotate", small.toString());
      }
      double rs1 = rate(files, kms, "rotate", "--registry", smallReg.toString());
      double rl1 = rate(files, kms, "rotate", "--registry", largeReg.toString());
      double rot = rate(files, kms, "rotate", reenc.toString());
      double re =
          rate(
              files,
              kms,
              "reencrypt",
              reenc.toString(),
              "--conf",
              "pipeseal.parquet.columns.pii=ssn",
              // One full rewrite per file (external output would write each file twice).
              "--conf",
              "pipeseal.parquet.key-material=internal");
      ext[r] = l1 / s1;
      reg[r] = rl1 / rs1;
      vs[r] = rot / re;
      extSmall += s1 / rounds;
      extLarge += l1 / rounds;
      regSmall += rs1 / rounds;
      regLarge += rl1 / rounds;
      rotateRate += rot / rounds;
      reencRate += re / rounds;
      // reencrypt wrote internal key material: put external back for the next round's rotate.
      for (int i = 0; i < files; i++) {
        write(external, reenc.resolve("part-" + i + ".parquet"), 64, 64 * 1024, i);
      }
    }
    BenchReport.ratio("jobs.rewrap-scaling-external", extLarge, extSmall, "files/s");
    BenchReport.value(
        "jobs.rewrap-scaling-external.median-round-ratio", BenchReport.median(ext), "ratio");
    BenchReport.ratio("jobs.rewrap-scaling-registry", regLarge, regSmall, "files/s");
    BenchReport.value(
        "jobs.rewrap-scaling-registry.median-round-ratio", BenchReport.median(reg), "ratio");
    BenchReport.ratio("jobs.rewrap-vs-reencrypt", rotateRate, reencRate, "files/s");
    BenchReport.value(
        "jobs.rewrap-vs-reencrypt.median-round-ratio", BenchReport.median(vs), "ratio");
    BenchReport.value("jobs.files-per-case", files, "files");
  }

  private static void roll(KmsAdmin admin, Map<String, String> kms) {
    admin.rotateKey("pii");
    KeyToolkit.removeCacheEntriesForAllTokens();
  }

  /** Runs one CLI command; returns files per second. */
  private static double rate(int files, Map<String, String> kms, String... command) {
    List<String> a = new ArrayList<>(List.of(command));
    a.addAll(List.of("--engine", "local", "--parallelism", "2", "--quiet", "--restart"));
    if (a.contains("--registry")) {
      a.remove("--restart");
    }
    kms.forEach(
        (k, v) -> {
          a.add("--conf");
          a.add(k + "=" + v);
        });
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    PrintStream quiet = new PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8);
    long t0 = System.nanoTime();
    int code = PipesealCli.run(a.toArray(String[]::new), quiet, System.err);
    double secs = (System.nanoTime() - t0) / 1e9;
    if (code != 0) {
      String out = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
      throw new IllegalStateException(
          String.join(" ", command)
              + " exited "
              + code
              + ":\n"
              + out.substring(0, Math.min(2000, out.length())));
    }
    return files / secs;
  }

  /** A file of {@code rows} rows, each with a random {@code blobBytes} plaintext blob. */
  private static void write(
      Map<String, String> props, Path file, int rows, int blobBytes, long seed) throws IOException {
    Files.createDirectories(file.getParent());
    Files.deleteIfExists(file);
    String name = file.getFileName().toString();
    Files.deleteIfExists(file.resolveSibling("." + name + ".crc"));
    Files.deleteIfExists(file.resolveSibling("_KEY_MATERIAL_FOR_" + name + ".json"));
    Files.deleteIfExists(file.resolveSibling("._KEY_MATERIAL_FOR_" + name + ".json.crc"));
    Configuration conf = new Configuration();
    props.forEach(conf::set);
    Random rnd = new Random(seed);
    byte[] blob = new byte[blobBytes];
    SimpleGroupFactory f = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
            .withConf(conf)
            .withType(SCHEMA)
            .withCompressionCodec(CompressionCodecName.UNCOMPRESSED)
            .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      for (int i = 0; i < rows; i++) {
        rnd.nextBytes(blob);
        w.write(
            f.newGroup()
                .append("id", (long) i)
                .append("ssn", "ssn-" + i)
                .append("blob", Binary.fromConstantByteArray(blob.clone())));
      }
    }
  }

  private static Map<String, String> localStore(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path pass = dir.resolve("store.pass");
    Files.writeString(pass, "bench store password\n");
    Map<String, String> p = new LinkedHashMap<>();
    p.put("pipeseal.kms.uri", "local://" + dir.resolve("keys.p12"));
    p.put("pipeseal.kms.provider.password", "file:" + pass);
    p.put("pipeseal.kms.provider.create", "true");
    p.put("pipeseal.kms.audit.sink", "none");
    // Each round rolls the key just before rotating: the job must see the new version at once.
    p.put("pipeseal.kms.cache.describe-ttl", "0s");
    return p;
  }
}
