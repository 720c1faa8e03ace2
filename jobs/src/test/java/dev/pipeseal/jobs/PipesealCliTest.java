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
  void demoEncryptsRotatesAndVerifies() throws Exception {
    assertThat(run("demo", "--dir", dir.toString(), "--rows", "1500")).isZero();
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text)
        .contains("encrypted 1,500 records")
        .contains("pii -> 2")
        .contains("rewrapped 2 of 2 registry records")
        .contains("verified 1,500 records")
        .contains(
            "a flipped bit was refused: AuthenticationFailedException (demo.records.ssn, key pii)");
    // The stored data never contains the plaintext it protects.
    byte[] data = Files.readAllBytes(dir.resolve("data/records.psl"));
    assertThat(new String(data, StandardCharsets.ISO_8859_1)).doesNotContain("@example.com");
    // Audit lines name keys and operations, never key bytes.
    String audit = Files.readString(dir.resolve("audit.jsonl"));
    assertThat(audit).contains("\"op\":\"generate\"").contains("\"op\":\"rewrap\"");
    assertThat(audit).doesNotContain("wrapped");

    // A second run reuses the key store and registry: everything moves to the next version.
    out.reset();
    assertThat(run("demo", "--dir", dir.toString(), "--rows", "100")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("pii -> 3")
        .contains("rewrapped 4 of 4 registry records");
  }

  @Test
  void demoWithAWrongPasswordFailsCleanly() throws Exception {
    assertThat(run("demo", "--dir", dir.toString(), "--rows", "10")).isZero();
    Files.writeString(dir.resolve("keystore.password"), "not the password");
    err.reset();
    assertThat(run("demo", "--dir", dir.toString(), "--rows", "10")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("pipeseal demo: failed")
        .doesNotContain("not the password");
  }

  @Test
  void usageErrorsExitWith64() {
    assertThat(run()).isEqualTo(64);
    assertThat(run("frobnicate")).isEqualTo(64);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'frobnicate'");
    assertThat(run("demo", "--rows", "0")).isEqualTo(64);
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
