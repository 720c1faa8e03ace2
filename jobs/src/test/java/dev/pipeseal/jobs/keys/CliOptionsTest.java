package dev.pipeseal.jobs.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.registry.rotation.RewrapReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Argument parsing and exit codes that need no provider. */
class CliOptionsTest {
  @TempDir Path dir;

  @Test
  void parsesCommandsOptionsAndConfigLayers() throws Exception {
    Path props = dir.resolve("kms.properties");
    Files.writeString(
        props, "uri=pkcs11:token=a\npipeseal.kms.pin=env:A\nlibrary=/l.so\nregistry.store=local\n");
    CliOptions o =
        CliOptions.parse(
            new String[] {
              "keys",
              "--config",
              props.toString(),
              "-Dpipeseal.kms.pin=file:/p",
              "rewrap",
              "--registry=/reg",
              "--key",
              "orders",
              "--dry-run",
              "--json",
              "--batch",
              "7"
            });
    assertThat(o.command()).isEqualTo("rewrap");
    assertThat(o.kmsUri()).isEqualTo("pkcs11:token=a");
    assertThat(o.config())
        .containsEntry("pin", "file:/p")
        .containsEntry("library", "/l.so")
        .containsEntry("registry.store", "local");
    assertThat(o.registry()).isEqualTo("/reg");
    assertThat(o.keyName()).isEqualTo("orders");
    assertThat(o.dryRun()).isTrue();
    assertThat(o.json()).isTrue();
    assertThat(o.batchSize()).isEqualTo(7);

    CliOptions create = CliOptions.parse(new String[] {"create", "k1", "--kms", "pkcs11:token=b"});
    assertThat(create.command()).isEqualTo("create");
    assertThat(create.keyName()).isEqualTo("k1");
    assertThat(create.kmsUri()).isEqualTo("pkcs11:token=b");
    assertThat(create.batchSize()).isEqualTo(CliOptions.DEFAULT_BATCH);
  }

  @Test
  void rejectsBadCommandLines() {
    String[][] bad = {
      {},
      {"frobnicate", "--kms", "x:y"},
      {"create", "--kms", "x:y"},
      {"create", "a", "b", "--kms", "x:y"},
      {"list", "extra", "--kms", "x:y"},
      {"list"},
      {"list", "--kms"},
      {"list", "--kms", "x:y", "--kms", "x:z"},
      {"list", "--kms", "x:y", "--dry-run"},
      {"list", "--kms", "x:y", "--bogus"},
      {"list", "--kms", "x:y", "-Dother.key=1"},
      {"list", "--kms", "x:y", "--json=yes"},
      {"rewrap", "--kms", "x:y"},
      {"rewrap", "--kms", "x:y", "--registry", "/r", "--batch", "0"},
      {"rewrap", "--kms", "x:y", "--registry", "/r", "--batch", "many"},
      {"list", "--kms", "x:y", "--config", "/nonexistent/kms.properties"},
      {"compact"},
      {"list", "--kms", "x:y", "--registry", "/r"},
    };
    for (String[] args : bad) {
      assertThatThrownBy(() -> CliOptions.parse(args))
          .as(String.join(" ", args))
          .isInstanceOf(UsageException.class);
    }
  }

  @Test
  void usageErrorsExit64AndHelpExits0() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    KeysCli cli = new KeysCli();
    assertThat(cli.run(new String[] {"rotate"}, print(out), print(err))).isEqualTo(64);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: pipeseal keys");
    assertThat(out.size()).isZero();
    assertThat(cli.run(new String[] {"--help"}, print(out), print(err))).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("exit codes: 0 ok");
    // -D values may be secrets: not echoed.
    err.reset();
    cli.run(new String[] {"list", "--kms", "x:y", "-Dpin=hunter2"}, print(out), print(err));
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("hunter2");
  }

  @Test
  void providerErrorsExit1() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc =
        new KeysCli()
            .run(
                new String[] {"list", "--kms", "nosuchscheme:x"},
                print(new ByteArrayOutputStream()),
                print(err));
    assertThat(rc).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("nosuchscheme");
  }

  @Test
  void compactNeedsNoProvider() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc =
        new KeysCli()
            .run(
                new String[] {"compact", "--registry", dir.toString(), "--json"},
                print(out),
                print(new ByteArrayOutputStream()));
    assertThat(rc).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"removed\":0");
  }

  @Test
  void exitCodeOfRewrapReports() {
    assertThat(KeysCli.exitCode(new RewrapReport(3, 3, 0, 0, 0, 0, java.util.Map.of()), false))
        .isZero();
    assertThat(KeysCli.exitCode(new RewrapReport(3, 1, 1, 1, 1, 0, java.util.Map.of()), false))
        .isEqualTo(2);
    assertThat(KeysCli.exitCode(new RewrapReport(2, 0, 2, 0, 2, 0, java.util.Map.of()), false))
        .isEqualTo(1);
    assertThat(KeysCli.exitCode(new RewrapReport(2, 0, 1, 0, 1, 0, java.util.Map.of()), true))
        .isEqualTo(2);
  }

  static PrintStream print(ByteArrayOutputStream out) {
    return new PrintStream(out, true, StandardCharsets.UTF_8);
  }
}
