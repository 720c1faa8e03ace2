package dev.pipeseal.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * pipeseal-VERSION.tar.gz unpacked into an empty directory runs with only a JDK: no Maven, no
 * checkout (the working directory is elsewhere and PATH holds only the system's tools).
 */
class CliTarballTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  @Test
  void unpackedTarballRunsDemoAndVerify() throws Exception {
    Path work = Files.createDirectories(dir.resolve("work"));
    Map<String, String> env =
        Map.of("JAVA_HOME", System.getProperty("java.home"), "PATH", "/usr/bin:/bin");
    // As downloaded, then the README's own line, word for word.
    Files.copy(Artifacts.cliTarball(), work.resolve(Artifacts.cliTarball().getFileName()));
    String readmeLine = ReadmeInstallTest.installLine("tar xzf ");
    Child demo = Child.run(List.of("bash", "-c", readmeLine), work, env, dir.resolve("demo.log"));
    assertThat(demo.exitCode()).as("%s", demo).isZero();
    assertThat(demo.lineStartingWith("verify job:")).as("%s", demo).contains("every page");
    assertThat(demo.lineStartingWith("verified"))
        .as("%s", demo)
        .startsWith("verified 200 records through Spark");

    Path home = work.resolve("pipeseal-" + Artifacts.version());
    assertThat(home.resolve("LICENSE")).content().contains("Apache License");
    assertThat(home.resolve("conf/log4j2-cli.properties")).exists();
    Path cli = home.resolve("bin/pipeseal");
    assertThat(Files.isExecutable(cli)).isTrue();

    Path demoDir = work.resolve("pipeseal-demo");
    Child verify =
        Child.run(
            List.of(
                cli.toString(),
                "verify",
                "pipeseal-demo/lake",
                "--kms",
                "local://" + demoDir.resolve("keys.p12"),
                "--conf",
                "pipeseal.kms.provider.password=file:" + demoDir.resolve("keystore.password"),
                "--conf",
                "pipeseal.parquet.table=demo.records",
                "--engine",
                "local"),
            work,
            env,
            dir.resolve("verify.log"));
    assertThat(verify.exitCode()).as("%s", verify).isZero();
    assertThat(verify.lineStartingWith("files:")).as("%s", verify).matches("files: done=[1-9].*");
    assertThat(verify.output()).contains("failed=0");
  }
}
