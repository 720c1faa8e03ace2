package dev.pipeseal.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark's own entry point, {@code org.apache.spark.deploy.SparkSubmit} (what {@code
 * bin/spark-submit} runs), in a child JVM whose class path is Spark's jars only, as on a cluster.
 * The application is compiled here against Spark alone; Pipeseal arrives only through {@code
 * --jars} or {@code --packages}, or is the application ({@code --class
 * dev.pipeseal.jobs.PipesealCli}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkSubmitTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;

  static Path keyStore;
  static Path password;
  static Path registry;
  static Path appJar;
  static Path lake;

  @BeforeAll
  static void userSetup() throws Exception {
    keyStore = dir.resolve("keys.p12");
    registry = dir.resolve("registry");
    lake = dir.resolve("lake");
    password = dir.resolve("keystore.password");
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    Files.writeString(password, HexFormat.of().formatHex(secret));
    appJar = compileApp();

    // The jobs application jar administers keys too: the platform team's first step.
    Child keys =
        submit(
            "keys",
            List.of(),
            List.of(
                "--class",
                "dev.pipeseal.jobs.PipesealCli",
                Artifacts.jobsAppJar().toString(),
                "keys",
                "--kms",
                "local://" + keyStore,
                "--conf",
                "pipeseal.kms.provider.password=file:" + password,
                "--conf",
                "pipeseal.kms.provider.create=true",
                "create",
                "pii"));
    assertThat(keys.exitCode()).as("%s", keys).isZero();
    assertThat(keyStore).exists();
  }

  @Test
  @Order(1)
  void runtimeJarThroughJarsAloneEncryptsDecryptsJoinsAndWritesEncryptedParquet() throws Exception {
    // No spark.sql.extensions anywhere: the jar registers the functions by itself.
    List<String> args = new ArrayList<>(pipesealConf());
    args.addAll(List.of("--jars", Artifacts.sparkRuntimeJar().toString()));
    args.addAll(List.of("--class", "example.SqlApp", appJar.toString(), lake.toString()));
    Child app = submit("app-jars", List.of(), args);

    assertThat(app.exitCode()).as("%s", app).isZero();
    assertThat(app.lineStartingWith("SQL-APP"))
        .as("%s", app)
        .isEqualTo("SQL-APP roundtrip=200/200 distinct=200 plaintext=0 join=360/360 pme=200");
    List<Path> files = parquetFiles(lake);
    assertThat(files).isNotEmpty();
    for (Path f : files) {
      assertThat(tail(f)).as("encrypted footer magic of %s", f).isEqualTo("PARE");
    }
  }

  @Test
  @Order(2)
  void jobsApplicationJarVerifiesTheLakeUnderSparkSubmit() throws Exception {
    Path report = dir.resolve("verify.json");
    Child verify =
        submit(
            "jobs-verify",
            List.of(),
            List.of(
                "--class",
                "dev.pipeseal.jobs.PipesealCli",
                Artifacts.jobsAppJar().toString(),
                "verify",
                lake.toString(),
                "--kms",
                "local://" + keyStore,
                "--conf",
                "pipeseal.kms.provider.password=file:" + password,
                "--conf",
                "pipeseal.kms.audit.sink=none",
                "--conf",
                "pipeseal.parquet.table=dist.people",
                "--report",
                report.toString(),
                "--quiet"));

    assertThat(verify.exitCode()).as("%s", verify).isZero();
    int files = parquetFiles(lake).size();
    String json = Files.readString(report).replaceAll("\\s", "");
    assertThat(json)
        .contains("\"command\":\"verify\"")
        .contains("\"exitCode\":0")
        .contains("\"done\":" + files + ",")
        .contains("\"failed\":0");
    assertThat(verify.lineStartingWith("files:")).startsWith("files: done=" + files + " ");
  }

  @Test
  @Order(3)
  void runtimeJarThroughPackagesFromAFileRepositoryOffline() throws Exception {
    Path repo = Artifacts.fileRepository();
    // Only the file repository: resolution must not need the network.
    Path ivySettings = dir.resolve("ivysettings.xml");
    Files.writeString(
        ivySettings,
        """
        <ivysettings>
          <settings defaultResolver="offline"/>
          <resolvers>
            <ibiblio name="offline" m2compatible="true" usepoms="true" root="%s"/>
          </resolvers>
        </ivysettings>
        """
            .formatted(repo.toUri()));
    Path ivyHome = dir.resolve("ivy");
    List<String> args = new ArrayList<>(pipesealConf());
    args.addAll(
        List.of(
            "--packages",
            "dev.pipeseal:pipeseal-spark-runtime-4.2_2.13:" + Artifacts.version(),
            "--repositories",
            repo.toUri().toString(),
            "--conf",
            "spark.jars.ivySettings=" + ivySettings,
            "--conf",
            "spark.jars.ivy=" + ivyHome,
            "--class",
            "example.SqlApp",
            appJar.toString(),
            dir.resolve("lake-packages").toString()));
    Child app = submit("app-packages", List.of("-Duser.home=" + dir.resolve("home")), args);

    assertThat(app.exitCode()).as("%s", app).isZero();
    assertThat(app.lineStartingWith("SQL-APP"))
        .as("%s", app)
        .isEqualTo("SQL-APP roundtrip=200/200 distinct=200 plaintext=0 join=360/360 pme=200");
    // Exactly one artifact resolved: the runtime jar's pom names no dependencies.
    try (Stream<Path> jars = Files.list(ivyHome.resolve("jars"))) {
      assertThat(jars.map(p -> p.getFileName().toString()))
          .containsExactly(
              "dev.pipeseal_pipeseal-spark-runtime-4.2_2.13-" + Artifacts.version() + ".jar");
    }
  }

  private static List<String> pipesealConf() {
    List<String> conf = new ArrayList<>();
    Map<String, String> bridge =
        Map.of(
            "pipeseal.kms.uri", "local://" + keyStore,
            "pipeseal.kms.provider.password", "file:" + password,
            "pipeseal.kms.audit.sink", "none");
    bridge.forEach((k, v) -> conf.addAll(List.of("--conf", "spark." + k + "=" + v)));
    bridge.forEach((k, v) -> conf.addAll(List.of("--conf", "spark.hadoop." + k + "=" + v)));
    conf.addAll(
        List.of(
            "--conf",
            "spark.pipeseal.registry.location=" + registry,
            "--conf",
            "spark.hadoop.parquet.crypto.factory.class="
                + "dev.pipeseal.parquet.crypto.PipesealCryptoFactory",
            "--conf",
            "spark.hadoop.pipeseal.parquet.table=dist.people"));
    return conf;
  }

  /** {@code java -cp <Spark's jars> org.apache.spark.deploy.SparkSubmit --master local[2] ...}. */
  private static Child submit(String name, List<String> jvmOptions, List<String> args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Child.java().toString());
    cmd.addAll(Child.jvmOptions());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, Artifacts.sparkClasspath()));
    cmd.add("org.apache.spark.deploy.SparkSubmit");
    cmd.addAll(
        List.of(
            "--master",
            "local[2]",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.sql.shuffle.partitions=4"));
    cmd.addAll(args);
    Path work = Files.createDirectories(dir.resolve("work-" + name));
    return Child.run(cmd, work, Map.of(), dir.resolve(name + ".log"));
  }

  /** Compiles the user's application against Spark's jars only, into app.jar. */
  private static Path compileApp() throws IOException {
    Path src = dir.resolve("app-src/example/SqlApp.java");
    Files.createDirectories(src.getParent());
    try (var in = SparkSubmitTest.class.getResourceAsStream("/app/example/SqlApp.java")) {
      Files.write(src, in.readAllBytes());
    }
    Path classes = Files.createDirectories(dir.resolve("app-classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int rc =
        javac.run(
            null,
            null,
            null,
            "--release",
            "17",
            "-proc:none",
            "-classpath",
            String.join(java.io.File.pathSeparator, Artifacts.sparkClasspath()),
            "-d",
            classes.toString(),
            src.toString());
    assertThat(rc).as("javac of the application").isZero();
    Path jar = dir.resolve("app.jar");
    Manifest mf = new Manifest();
    mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out, mf)) {
      j.putNextEntry(new JarEntry("example/SqlApp.class"));
      j.write(Files.readAllBytes(classes.resolve("example/SqlApp.class")));
      j.closeEntry();
    }
    return jar;
  }

  private static List<Path> parquetFiles(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList();
    }
  }

  private static String tail(Path f) throws IOException {
    byte[] b = Files.readAllBytes(f);
    return new String(b, b.length - 4, 4, StandardCharsets.US_ASCII);
  }
}
