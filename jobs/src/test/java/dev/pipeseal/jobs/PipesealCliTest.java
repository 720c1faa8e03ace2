package dev.pipeseal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipesealCliTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return PipesealCli.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void usageErrorsExitWith64() {
    assertThat(run()).isEqualTo(64);
    assertThat(run("frobnicate")).isEqualTo(64);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'frobnicate'");
    assertThat(run("demo", "--rows", "0")).isEqualTo(64);
    assertThat(run("demo", "--rows", "9")).isEqualTo(64); // the demo looks up record 7
    assertThat(run("demo", "--bogus", "1")).isEqualTo(64);
    assertThat(run("help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: pipeseal COMMAND");
  }

  @Test
  void keysCommandDelegatesToTheAdminCli() throws Exception {
    Path pass = dir.resolve("pass");
    Files.writeString(pass, "pw");
    String uri = "local://" + dir.resolve("k.p12");
    assertThat(
            run(
                "keys",
                "--kms",
                uri,
                "-Dpipeseal.kms.password=file:" + pass,
                "-Dpipeseal.kms.create=true",
                "create",
                "pii"))
        .isZero();
    out.reset();
    assertThat(run("keys", "--kms", uri, "-Dpipeseal.kms.password=file:" + pass, "list")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("pii current=1");
  }
}
