package dev.pipeseal.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the bundles hold: only Pipeseal's packages (Bouncy Castle relocated under them, so a
 * cluster's own copy never clashes), merged service files, no stale signatures, and a published pom
 * that names nothing to resolve.
 */
class JarContentsTest {
  private static final Pattern UNRELOCATED = Pattern.compile("(.{7})org/bouncycastle/");

  @Test
  void sparkRuntimeJarHoldsOnlyPipesealAndItsRelocatedBouncyCastle() throws IOException {
    try (JarFile jar = new JarFile(Artifacts.sparkRuntimeJar().toFile())) {
      assertOnlyPipesealClasses(jar);
      assertThat(service(jar, "dev.pipeseal.kms.KmsService"))
          .contains(
              "dev.pipeseal.kms.local.LocalKmsService",
              "dev.pipeseal.kms.hadoop.HadoopKmsService",
              "dev.pipeseal.kms.pkcs11.Pkcs11KmsService",
              "dev.pipeseal.kms.pq.HybridKmsService",
              "dev.pipeseal.kms.vault.VaultKmsService",
              "dev.pipeseal.kms.gcp.GcpKmsService",
              "dev.pipeseal.kms.azure.AzureKeyVaultService");
      assertThat(service(jar, "org.apache.spark.sql.SparkSessionExtensionsProvider"))
          .containsExactly("dev.pipeseal.spark.PipesealExtensions");
      assertThat(jar.getEntry("dev/pipeseal/parquet/crypto/PipesealCryptoFactory.class"))
          .isNotNull();
      assertXWingCallsRelocatedBouncyCastle(jar);
    }
  }

  @Test
  void kafkaBundleHoldsTheRegistryAndItsTopicStoreButNoKafkaOrHadoopClasses() throws IOException {
    try (JarFile jar = new JarFile(Artifacts.kafkaBundleJar().toFile())) {
      assertOnlyPipesealClasses(jar);
      // Registry key references work with the bundle alone, on a directory or a compacted topic.
      assertThat(service(jar, "dev.pipeseal.kms.registry.KeyRegistryService"))
          .containsExactly("dev.pipeseal.registry.RegistryService");
      assertThat(service(jar, "dev.pipeseal.registry.RegistryStoreProvider"))
          .containsExactly("dev.pipeseal.registry.kafka.TopicStoreProvider");
      // kafka-clients is the client's own; the Hadoop client is never ours to bring.
      assertThat(jar.stream().map(JarEntry::getName))
          .noneMatch(n -> n.startsWith("org/apache/kafka/") || n.startsWith("org/apache/hadoop/"));
    }
  }

  @Test
  void jobsApplicationJarNamesItsMainClassAndHoldsOnlyPipeseal() throws IOException {
    try (JarFile jar = new JarFile(Artifacts.jobsAppJar().toFile())) {
      assertOnlyPipesealClasses(jar);
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("dev.pipeseal.jobs.PipesealCli");
      assertThat(service(jar, "dev.pipeseal.kms.KmsService"))
          .contains(
              "dev.pipeseal.kms.local.LocalKmsService", "dev.pipeseal.kms.pq.HybridKmsService");
      assertXWingCallsRelocatedBouncyCastle(jar);
    }
  }

  @Test
  void installedRuntimePomHasNoParentAndNoDependencies() throws IOException {
    Path pom;
    try (Stream<Path> s = Files.walk(Artifacts.fileRepository())) {
      pom =
          s.filter(p -> p.getFileName().toString().endsWith(".pom"))
              .filter(p -> p.toString().contains("pipeseal-spark-runtime-4.2_2.13"))
              .findFirst()
              .orElseThrow();
    }
    String xml = Files.readString(pom);
    assertThat(xml)
        .contains("<artifactId>pipeseal-spark-runtime-4.2_2.13</artifactId>")
        .contains("<name>Apache-2.0</name>")
        .contains("<scm")
        .doesNotContain("<parent>")
        .doesNotContain("<dependency>")
        .doesNotContain("<dependencyManagement>");
  }

  private static void assertOnlyPipesealClasses(JarFile jar) {
    List<String> foreign =
        jar.stream()
            .map(JarEntry::getName)
            .filter(n -> n.endsWith(".class"))
            .filter(n -> !n.startsWith("dev/pipeseal/"))
            .toList();
    assertThat(foreign).as("classes outside dev/pipeseal in %s", jar.getName()).isEmpty();
    assertThat(jar.stream().map(JarEntry::getName))
        .as("signature files (invalid once classes are relocated)")
        .noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)"));
    assertThat(
            jar.getEntry("dev/pipeseal/shaded/org/bouncycastle/crypto/kems/MLKEMGenerator.class"))
        .isNotNull();
  }

  /** The hybrid provider's X-Wing code must call the relocated classes, not the originals. */
  private static void assertXWingCallsRelocatedBouncyCastle(JarFile jar) throws IOException {
    String constants;
    try (var in = jar.getInputStream(jar.getEntry("dev/pipeseal/kms/pq/XWing.class"))) {
      constants = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
    assertThat(constants)
        .contains("dev/pipeseal/shaded/org/bouncycastle/crypto/kems/MLKEMGenerator");
    Matcher m = UNRELOCATED.matcher(constants);
    while (m.find()) {
      assertThat(m.group(1)).as("reference to org/bouncycastle not relocated").isEqualTo("shaded/");
    }
  }

  private static List<String> service(JarFile jar, String name) throws IOException {
    JarEntry e = jar.getJarEntry("META-INF/services/" + name);
    assertThat(e).as("service file %s", name).isNotNull();
    try (var in = jar.getInputStream(e)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .toList();
    }
  }
}
