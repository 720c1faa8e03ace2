package dev.pipeseal.kafka.classpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kafka.testing.LocalKeys;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka producer on the local provider gets {@code kms-spi}, {@code kms-local}, {@code
 * kms-bridge}, {@code envelope} and {@code crypto-core} from us, and no registry, PKCS#11, X-Wing,
 * Hadoop or Bouncy Castle classes. The classpath is the serdes' runtime dependencies as Maven
 * resolves them (written at build time), plus the provider the user adds and kafka-clients.
 */
class ProducerClasspathTest {
  private static final List<String> BANNED_ENTRIES =
      List.of(
          "dev/pipeseal/registry/",
          "dev/pipeseal/kms/pkcs11/",
          "dev/pipeseal/kms/pq/",
          "dev/pipeseal/kms/hadoop/",
          "org/apache/hadoop/",
          "org/bouncycastle/",
          "org/apache/spark/",
          "org/apache/parquet/");

  @TempDir Path dir;

  private static List<String> runtimeClasspath() throws IOException {
    Path file = Path.of("target", "producer-runtime.classpath");
    assertThat(file).as("written by maven-dependency-plugin at generate-test-resources").exists();
    return Arrays.stream(Files.readString(file).trim().split(File.pathSeparator))
        .filter(s -> !s.isBlank())
        .toList();
  }

  /** Entries of this test JVM's classpath whose path contains {@code marker}. */
  private static List<String> fromTestClasspath(String marker) {
    List<String> found =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> e.replace('\\', '/').contains(marker))
            .toList();
    assertThat(found).as("test classpath entries for %s", marker).isNotEmpty();
    return found;
  }

  @Test
  void runtimeDependenciesAreTheCoreModulesOnly() throws IOException {
    List<String> names =
        runtimeClasspath().stream().map(e -> Path.of(e).getFileName().toString()).toList();
    assertThat(names)
        .anyMatch(n -> n.startsWith("pipeseal-crypto-core"))
        .anyMatch(n -> n.startsWith("pipeseal-kms-spi"))
        .anyMatch(n -> n.startsWith("pipeseal-kms-bridge"))
        .anyMatch(n -> n.startsWith("pipeseal-envelope"))
        .noneMatch(n -> n.startsWith("pipeseal-key-registry"))
        .noneMatch(n -> n.startsWith("pipeseal-kms-pkcs11"))
        .noneMatch(n -> n.startsWith("pipeseal-kms-hybrid"))
        .noneMatch(n -> n.startsWith("pipeseal-kms-hadoop"))
        .noneMatch(n -> n.startsWith("bc"))
        .noneMatch(n -> n.startsWith("hadoop"));
    for (String entry : runtimeClasspath()) {
      if (!entry.endsWith(".jar")) {
        continue;
      }
      try (JarFile jar = new JarFile(entry)) {
        List<String> banned =
            jar.stream()
                .map(e -> e.getName())
                .filter(n -> BANNED_ENTRIES.stream().anyMatch(n::startsWith))
                .limit(3)
                .toList();
        assertThat(banned).as("banned classes in %s", entry).isEmpty();
      }
    }
  }

  @Test
  void aProducerOnThatClasspathRoundTripsAndCannotLoadBannedClasses() throws Exception {
    LocalKeys keys = LocalKeys.create(dir.resolve("keys"), "pii");
    List<String> cp = new ArrayList<>(runtimeClasspath());
    cp.add(Path.of("target", "classes").toAbsolutePath().toString());
    cp.add(Path.of("target", "test-classes").toAbsolutePath().toString());
    cp.addAll(fromTestClasspath("kms-local"));
    cp.addAll(fromTestClasspath("/kafka-clients-"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(String.join(File.pathSeparator, cp));
    command.add(ProducerProbe.class.getName());
    for (Map.Entry<String, String> e : keys.properties().entrySet()) {
      command.add(e.getKey() + "=" + e.getValue());
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("roundtrip ok").doesNotContain("loadable ");
    assertThat(p.exitValue()).as(out).isZero();
  }
}
