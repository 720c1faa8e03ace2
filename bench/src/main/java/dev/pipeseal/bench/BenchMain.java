package dev.pipeseal.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** Entry point of {@code ./bench/run SUITE}. */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, Suite> suites = new LinkedHashMap<>();
    suites.put("core", CoreBench::run);
    suites.put("kms", KmsBench::run);
    suites.put("kms-aws", unused -> KmsBench.aws());
    suites.put("pq", PqBench::run);
    suites.put("parquet", ParquetBench::run);
    suites.put("kafka", KafkaBench::run);
    suites.put("spark", SparkBench::run);
    suites.put("jobs", JobsBench::run);
    suites.put("lifecycle", LifecycleBench::run);
    suites.put("native", NativeAeadBench::run);
    String which = args.length == 0 ? "all" : args[0];
    // Ratios are side by side, but absolute numbers mean little without the machine and JDK.
    System.out.printf(
        "BENCH-ENV jdk=%s vm=%s os=%s/%s cpus=%d cpu=%s%n",
        System.getProperty("java.version"),
        System.getProperty("java.vm.name").replace(' ', '_'),
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        Runtime.getRuntime().availableProcessors(),
        cpuModel());
    String[] rest =
        args.length <= 1 ? new String[0] : java.util.Arrays.copyOfRange(args, 1, args.length);
    if (which.equals("all")) {
      for (Map.Entry<String, Suite> e : suites.entrySet()) {
        // kms-aws is part of kms; it exists to run the AWS cases alone.
        if (!e.getKey().equals("kms-aws")) {
          e.getValue().run(rest);
        }
      }
      return;
    }
    Suite s = suites.get(which);
    if (s == null) {
      System.err.println("unknown suite '" + which + "'; known: " + suites.keySet() + " or all");
      System.exit(64);
    }
    s.run(rest);
  }

  private static String cpuModel() {
    try (java.util.stream.Stream<String> lines =
        java.nio.file.Files.lines(java.nio.file.Path.of("/proc/cpuinfo"))) {
      return lines
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim().replace(' ', '_'))
          .findFirst()
          .orElse("unknown");
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  @FunctionalInterface
  interface Suite {
    void run(String[] args) throws Exception;
  }
}
