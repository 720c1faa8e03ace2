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
 * {@code ./bench/run jobs [--files N] [--rounds R] [--dir D] [--lake-files M] [--only CASES]
 * [--engine local|spark] [--files-in-flight F] [--reuse-lake true]}: the lake jobs through the CLI
 * (local engine, local key store). {@code --only} takes a comma-separated subset of {@code
 * rewrap-scaling} (the first three cases below) and {@code rotate-external}. With {@code --dir D
 * --reuse-lake true} a later run rotates the lake an earlier run built in D (same {@code
 * --lake-files}) instead of building it again; {@code --files-in-flight} passes that option to
 * {@code rotate} (default: the command's own).
 *
 * <ul>
 *   <li>{@code rewrap-scaling-external}: rotate N files of ~4 KB vs N files of ~4 MB with external
 *       key material after a master-key roll; ratio = large files/s / small files/s (target &gt;=
 *       0.8: cost must not grow with bytes).
 *   <li>{@code rewrap-scaling-registry}: the same, with one registry-referenced key per file
 *       (rotation rewraps the registry; data files are not opened).
 *   <li>{@code rewrap-vs-reencrypt}: rotate (rewrap) vs reencrypt (full rewrite) of the same ~4 MB
 *       files, files/s.
 *   <li>{@code rotate-external-files-per-s}: {@code pipeseal rotate} of an M-file lake (default
 *       100,000) with external key material, default options, vs a naive single-threaded loop that
 *       reads, parses, reserializes and atomically renames the same key material files (no KMS, no
 *       fsync, no check), files/s. The lake is built fast: one real encrypted Parquet file per
 *       partition of 1,000 files (each written with fresh Parquet KEK caches, so each partition has
 *       its own KEK, as files from one writer job share one), copied byte for byte with its key
 *       material file to the partition's other names.
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
    int lakeFiles = 100_000;
    String engine = "local";
    int filesInFlight = 0;
    boolean reuseLake = false;
    Path dir = null;
    List<String> only = List.of("rewrap-scaling", "rotate-external");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--files" -> files = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--dir" -> dir = Path.of(args[i + 1]);
        case "--lake-files" -> lakeFiles = Integer.parseInt(args[i + 1]);
        case "--only" -> only = List.of(args[i + 1].split(","));
        case "--engine" -> engine = args[i + 1];
        case "--files-in-flight" -> filesInFlight = Integer.parseInt(args[i + 1]);
        case "--reuse-lake" -> reuseLake = Boolean.parseBoolean(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path work = dir == null ? Files.createTempDirectory("pipeseal-jobs-bench-") : dir;
    boolean fresh = !Files.exists(work.resolve("keys").resolve("keys.p12"));
    Map<String, String> kms = localStore(work.resolve("keys"));
    KmsAdmin admin = SharedKmsBridges.pinned(kms).bridge().admin().orElseThrow();
    if (fresh) {
      admin.createKey("pii");
    }
    Map<String, String> external = new LinkedHashMap<>(kms);
    external.put(
        "parquet.crypto.factory.class", "dev.pipeseal.parquet.crypto.PipesealCryptoFactory");
    external.put("pipeseal.parquet.columns.pii", "ssn");
    external.put("pipeseal.parquet.key-material", "external");
    if (only.contains("rewrap-scaling")) {
      rewrapScaling(work, kms, admin, external, files, rounds);
    }
    if (only.contains("rotate-external")) {
      List<String> options = new ArrayList<>(List.of("--engine", engine));
      if (filesInFlight > 0) {
        options.addAll(List.of("--files-in-flight", Integer.toString(filesInFlight)));
      }
      rotateExternal(
          work.resolve("lake"), kms, admin, external, lakeFiles, rounds, options, reuseLake);
    }
  }

  private static void rewrapScaling(
      Path work,
      Map<String, String> kms,
      KmsAdmin admin,
      Map<String, String> external,
      int files,
      int rounds)
      throws Exception {
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

  private static final int FILES_PER_PARTITION = 1000;
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  /**
   * {@code rotate} of a large lake with default options (engine and parallelism as a user gets
   * them) against the naive loop, alternating; each round rolls the master key first.
   */
  private static void rotateExternal(
      Path lake,
      Map<String, String> kms,
      KmsAdmin admin,
      Map<String, String> external,
      int files,
      int rounds,
      List<String> options,
      boolean reuse)
      throws Exception {
    long t0 = System.nanoTime();
    Path built = lake.resolve(".bench-lake-files");
    List<Path> materials;
    if (reuse && Files.exists(built) && Files.readString(built).trim().equals("" + files)) {
      materials = new ArrayList<>(files);
      for (int i = 0; i < files; i++) {
        materials.add(
            lake.resolve("day=" + i / FILES_PER_PARTITION)
                .resolve("_KEY_MATERIAL_FOR_" + partName(i) + ".json"));
      }
    } else {
      materials = buildLake(lake, external, files);
      Files.writeString(built, files + "\n");
      BenchReport.value("jobs.rotate-external-lake-build-s", (System.nanoTime() - t0) / 1e9, "s");
    }
    double[] ours = new double[rounds];
    double[] naive = new double[rounds];
    double[] oursCpu = new double[rounds];
    double[] naiveCpu = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      roll(admin, kms);
      long c0 = OS.getProcessCpuTime();
      ours[r] = rate(files, kms, options, "rotate", lake.toString());
      long c1 = OS.getProcessCpuTime();
      naive[r] = naiveRewrite(materials);
      oursCpu[r] = (c1 - c0) / 1e3 / files;
      naiveCpu[r] = (OS.getProcessCpuTime() - c1) / 1e3 / files;
    }
    BenchReport.ratio(
        "jobs.rotate-external-files-per-s",
        BenchReport.median(ours),
        BenchReport.median(naive),
        "files/s");
    // CPU of the whole process per file: on a shared machine the steadier signal.
    BenchReport.ratio(
        "jobs.rotate-external-cpu-us-per-file",
        BenchReport.median(oursCpu),
        BenchReport.median(naiveCpu),
        "us");
    BenchReport.value("jobs.rotate-external-lake-files", files, "files");
  }

  /**
   * {@code files} data files in partitions of {@value #FILES_PER_PARTITION}: the first of each
   * written by the real Parquet writer with external key material, the others byte copies of it and
   * its key material file. Returns the key material files.
   */
  private static List<Path> buildLake(Path lake, Map<String, String> external, int files)
      throws IOException {
    List<Path> materials = new ArrayList<>(files);
    for (int first = 0; first < files; first += FILES_PER_PARTITION) {
      Path part = lake.resolve("day=" + first / FILES_PER_PARTITION);
      Path template = part.resolve(partName(first));
      KeyToolkit.removeCacheEntriesForAllTokens(); // a new writer job: its own KEK
      write(external, template, 1, 64, first);
      Files.deleteIfExists(template.resolveSibling("." + template.getFileName() + ".crc"));
      Path templateMaterial =
          template.resolveSibling("_KEY_MATERIAL_FOR_" + template.getFileName() + ".json");
      Files.deleteIfExists(
          templateMaterial.resolveSibling("." + templateMaterial.getFileName() + ".crc"));
      materials.add(templateMaterial);
      byte[] data = Files.readAllBytes(template);
      byte[] material = Files.readAllBytes(templateMaterial);
      int end = Math.min(files, first + FILES_PER_PARTITION);
      for (int i = first + 1; i < end; i++) {
        String name = partName(i);
        Files.write(part.resolve(name), data);
        Path m = part.resolve("_KEY_MATERIAL_FOR_" + name + ".json");
        Files.write(m, material);
        materials.add(m);
      }
    }
    return materials;
  }

  private static String partName(int i) {
    return String.format("part-%06d.parquet", i);
  }

  /**
   * The baseline: what a hand-written script does per file, one file after another: read the key
   * material JSON, parse it, write it back to a temporary sibling and rename that over the
   * original. Returns files per second.
   */
  private static double naiveRewrite(List<Path> materials) throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    long t0 = System.nanoTime();
    for (Path m : materials) {
      Map<?, ?> parsed = json.readValue(Files.readAllBytes(m), Map.class);
      Path tmp = m.resolveSibling("." + m.getFileName() + ".tmp");
      Files.write(tmp, json.writeValueAsBytes(parsed));
      Files.move(
          tmp,
          m,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return materials.size() / ((System.nanoTime() - t0) / 1e9);
  }

  private static void roll(KmsAdmin admin, Map<String, String> kms) {
    admin.rotateKey("pii");
    KeyToolkit.removeCacheEntriesForAllTokens();
  }

  /** Runs one CLI command on the local engine with 2 threads; returns files per second. */
  private static double rate(int files, Map<String, String> kms, String... command) {
    return rate(files, kms, List.of("--engine", "local", "--parallelism", "2"), command);
  }

  /** Runs one CLI command with {@code options}; returns files per second. */
  private static double rate(
      int files, Map<String, String> kms, List<String> options, String... command) {
    List<String> a = new ArrayList<>(List.of(command));
    a.addAll(options);
    a.addAll(List.of("--quiet", "--restart"));
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
