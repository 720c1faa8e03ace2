package dev.pipeseal.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The README's install commands name exactly what the build produces: file names, Maven
 * coordinates, class names. (The tarball line is run word for word by {@link CliTarballTest}; the
 * Spark lines' flags are the ones {@link SparkSubmitTest} submits with.)
 */
class ReadmeInstallTest {
  /** The lines of the README's "Install" code block. */
  static List<String> installLines() {
    try {
      String readme = Files.readString(Artifacts.file("readme"));
      int section = readme.indexOf("\n## Install\n");
      int start = readme.indexOf("```bash\n", section) + "```bash\n".length();
      int end = readme.indexOf("```", start);
      return readme.substring(start, end).lines().filter(l -> !l.startsWith("#")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String installLine(String prefix) {
    return installLines().stream()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .orElseThrow(() -> new AssertionError("README install has no line " + prefix));
  }

  @Test
  void sparkLineNamesTheRuntimeJarAndNoExtensionSetting() {
    String line = installLine("spark-submit --jars ");
    assertThat(line.split(" ")[2]).isEqualTo(Artifacts.sparkRuntimeJar().getFileName().toString());
    assertThat(line).doesNotContain("spark.sql.extensions");
  }

  @Test
  void pysparkLineNamesTheRuntimeCoordinates() {
    String jar = Artifacts.sparkRuntimeJar().getFileName().toString();
    String artifactId =
        jar.substring(0, jar.length() - ("-" + Artifacts.version() + ".jar").length());
    assertThat(installLine("pyspark --packages ").split(" ")[2])
        .isEqualTo("dev.pipeseal:" + artifactId + ":" + Artifacts.version());
  }

  @Test
  void kafkaLinesNameTheBundleAndItsSerializer() throws IOException {
    Path bundle = Artifacts.file("kafka.bundle.jar");
    String name = bundle.getFileName().toString();
    assertThat(installLine("CLASSPATH=")).startsWith("CLASSPATH=" + name + " ");
    assertThat(installLine("mkdir -p /opt/connect-plugins/")).contains("cp " + name + " ");
    try (JarFile jar = new JarFile(bundle.toFile())) {
      assertThat(jar.getEntry("dev/pipeseal/kafka/serde/EncryptingSerializer.class")).isNotNull();
      assertThat(jar.getEntry("dev/pipeseal/kafka/serde/DecryptingDeserializer.class")).isNotNull();
    }
  }

  private static String service(JarFile jar, String name) throws IOException {
    var e = jar.getJarEntry("META-INF/services/" + name);
    assertThat(e).as("service file %s", name).isNotNull();
    try (var in = jar.getInputStream(e)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void jobsLineNamesTheApplicationJarAndItsMainClass() throws IOException {
    String line = installLine("spark-submit --class ");
    String jar = Artifacts.jobsAppJar().getFileName().toString();
    assertThat(line).startsWith("spark-submit --class dev.pipeseal.jobs.PipesealCli " + jar + " ");
    // The operations guide shows the same jar.
    assertThat(Files.readString(Artifacts.file("operations.md"))).contains(jar);
  }

  @Test
  void tarballLineNamesTheTarball() {
    assertThat(installLine("tar xzf "))
        .startsWith("tar xzf " + Artifacts.cliTarball().getFileName() + " && ");
  }
}
