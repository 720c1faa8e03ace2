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
    suites.put("pq", PqBench::run);
    suites.put("parquet", ParquetBench::run);
    suites.put("kafka", KafkaBench::run);
    suites.put("spark", SparkBench::run);
    suites.put("jobs", JobsBench::run);
    String which = args.length == 0 ? "all" : args[0];
    String[] rest =
        args.length <= 1 ? new String[0] : java.util.Arrays.copyOfRange(args, 1, args.length);
    if (which.equals("all")) {
      for (Suite s : suites.values()) {
        s.run(rest);
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

  @FunctionalInterface
  interface Suite {
    void run(String[] args) throws Exception;
  }
}
