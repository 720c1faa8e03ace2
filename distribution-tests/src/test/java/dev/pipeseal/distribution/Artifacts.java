package dev.pipeseal.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Where the build put what is under test; set by the module's pom. */
final class Artifacts {
  private Artifacts() {}

  static Path file(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("system property " + property + " not set (run via Maven)");
    }
    Path p = Path.of(value);
    if (!Files.exists(p)) {
      throw new IllegalStateException(property + ": " + p + " does not exist");
    }
    return p;
  }

  static Path sparkRuntimeJar() {
    return file("spark.runtime.jar");
  }

  static Path kafkaBundleJar() {
    return file("kafka.bundle.jar");
  }

  static Path jobsAppJar() {
    return file("jobs.app.jar");
  }

  static Path cliTarball() {
    return file("cli.tarball");
  }

  static Path fileRepository() {
    return file("file.repository");
  }

  static String version() {
    return System.getProperty("pipeseal.version");
  }

  /** Spark and what it brings (Hadoop client, Parquet, Jackson, log4j): what a cluster has. */
  static List<String> sparkClasspath() throws IOException {
    String cp = Files.readString(file("spark.classpath.file")).trim();
    List<String> entries = Arrays.asList(cp.split(java.io.File.pathSeparator));
    if (entries.stream()
        .anyMatch(e -> Path.of(e).getFileName().toString().startsWith("pipeseal"))) {
      throw new IllegalStateException("Pipeseal on the Spark class path: " + cp);
    }
    return entries;
  }
}
