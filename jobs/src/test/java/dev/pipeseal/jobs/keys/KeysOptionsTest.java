package dev.pipeseal.jobs.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.registry.rotation.RewrapReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.ParseResult;

/** Argument parsing and exit codes of {@code pipeseal keys} that need no provider. */
class KeysOptionsTest {
  @TempDir Path dir;

  /** Parses {@code pipeseal ARGS} without running it; returns the innermost command. */
  private static Object parse(String... args) {
    StringWriter sink = new StringWriter();
    ParseResult r =
        PipesealCli.commandLine(new PrintWriter(sink), new PrintWriter(sink)).parseArgs(args);
    while (r.hasSubcommand()) {
      r = r.subcommand();
    }
    return r.commandSpec().userObject();
  }

  private static int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
    List<String> all = new ArrayList<>(List.of("keys"));
    all.addAll(List.of(args));
    return PipesealCli.run(all.toArray(String[]::new), print(out), print(err));
  }

  @Test
  void parsesCommandsOptionsAndConfigLayers() throws Exception {
    Path props = dir.resolve("kms.properties");
    Files.writeString(
        props,
        "pipeseal.kms.uri=pkcs11:token=a\npipeseal.kms.provider.pin=env:A\n"
            + "pipeseal.kms.provider.library=/l.so\npipeseal.registry.store=local\n");
    KeysCommand.Rewrap o =
        (KeysCommand.Rewrap)
            parse(
                "keys",
                "--config",
                props.toString(),
                "--conf",
                "pipeseal.kms.provider.pin=file:/p",
                "rewrap",
                "--registry=/reg",
                "--key",
                "orders",
                "--dry-run",
                "--json",
                "--batch",
                "7");
    assertThat(o.properties())
        .containsEntry("pipeseal.kms.uri", "pkcs11:token=a")
        .containsEntry("pipeseal.kms.provider.pin", "file:/p")
        .containsEntry("pipeseal.kms.provider.library", "/l.so")
        .containsEntry("pipeseal.registry.store", "local");
    assertThat(o.registry).isEqualTo("/reg");
    assertThat(o.key).isEqualTo("orders");
    assertThat(o.dryRun).isTrue();
    assertThat(o.json()).isTrue();
    assertThat(o.batch).isEqualTo(7);

    KeysCommand.Create create =
        (KeysCommand.Create) parse("keys", "create", "k1", "--kms", "pkcs11:token=b");
    assertThat(create.name).isEqualTo("k1");
    assertThat(create.properties()).containsEntry("pipeseal.kms.uri", "pkcs11:token=b");

    KeysCommand.Rewrap defaults =
        (KeysCommand.Rewrap) parse("keys", "rewrap", "--registry", "/r", "--kms", "x:y");
    assertThat(defaults.batch).isEqualTo(KeysCommand.Rewrap.DEFAULT_BATCH);
    assertThat(defaults.json()).isFalse();
  }

  @Test
  void subcommandOptionsWinOverTheGroupsAndKmsOverConf() {
    KeysCommand.Rotate o =
        (KeysCommand.Rotate)
            parse(
                "keys",
                "--kms",
                "a:1",
                "--conf",
                "pipeseal.kms.timeout=5s",
                "rotate",
                "pii",
                "--conf",
                "pipeseal.kms.uri=b:2",
                "--conf",
                "pipeseal.kms.timeout=7s");
    // The group's --kms is a layer under the subcommand's --conf; within a layer --kms wins.
    assertThat(o.properties())
        .containsEntry("pipeseal.kms.uri", "b:2")
        .containsEntry("pipeseal.kms.timeout", "7s");
    KeysCommand.Rotate p =
        (KeysCommand.Rotate)
            parse("keys", "rotate", "pii", "--conf", "pipeseal.kms.uri=b:2", "--kms", "c:3");
    assertThat(p.properties()).containsEntry("pipeseal.kms.uri", "c:3");
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
      {"list", "--kms", "x:y", "--conf", "novalue"},
      {"rewrap", "--kms", "x:y"},
      {"rewrap", "--kms", "x:y", "--registry", "/r", "--batch", "0"},
      {"rewrap", "--kms", "x:y", "--registry", "/r", "--batch", "many"},
      {"list", "--kms", "x:y", "--config", "/nonexistent/kms.properties"},
      {"compact"},
      {"list", "--kms", "x:y", "--registry", "/r"},
    };
    for (String[] args : bad) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertThat(run(out, err, args)).as(String.join(" ", args)).isEqualTo(ExitCode.USAGE);
      assertThat(err.toString(StandardCharsets.UTF_8))
          .as(String.join(" ", args))
          .contains("usage: pipeseal keys");
      assertThat(out.size()).isZero();
    }
  }

  @Test
  void usageErrorsExit64AndHelpExits0() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(run(out, err, "rotate")).isEqualTo(64);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: pipeseal keys");
    assertThat(out.size()).isZero();
    assertThat(run(out, err, "--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("exit codes: 0 ok");
    // -D values may be secrets: not echoed.
    err.reset();
    run(out, err, "list", "--kms", "x:y", "-Dpin=hunter2");
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("hunter2");
    err.reset();
    run(out, err, "list", "--kms", "x:y", "--conf", "hunter2");
    assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("hunter2");
  }

  @Test
  void oldDefineSpellingIsReadWithAWarningThatShowsNoValue() {
    KeysCommand.ListKeys o =
        (KeysCommand.ListKeys)
            parse(
                "keys",
                "list",
                "--kms",
                "x:y",
                "-Dpipeseal.kms.password=file:/secret",
                "-Dpipeseal.kms.registry.store=local");
    assertThat(o.properties())
        .containsEntry("pipeseal.kms.provider.password", "file:/secret")
        .containsEntry("pipeseal.registry.store", "local");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    run(out, err, "list", "--kms", "nosuchscheme:x", "-Dpipeseal.kms.password=file:/hunter2");
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("deprecated")
        .contains("--conf pipeseal.kms.provider.password=...")
        .doesNotContain("hunter2");
  }

  @Test
  void providerErrorsExit1() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = run(new ByteArrayOutputStream(), err, "list", "--kms", "nosuchscheme:x");
    assertThat(rc).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("nosuchscheme");
  }

  @Test
  void compactNeedsNoProvider() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc =
        run(out, new ByteArrayOutputStream(), "compact", "--registry", dir.toString(), "--json");
    assertThat(rc).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"removed\":0");
  }

  @Test
  void exitCodeOfRewrapReports() {
    assertThat(KeysCommand.exitCode(new RewrapReport(3, 3, 0, 0, 0, 0, java.util.Map.of()), false))
        .isZero();
    assertThat(KeysCommand.exitCode(new RewrapReport(3, 1, 1, 1, 1, 0, java.util.Map.of()), false))
        .isEqualTo(2);
    assertThat(KeysCommand.exitCode(new RewrapReport(2, 0, 2, 0, 2, 0, java.util.Map.of()), false))
        .isEqualTo(1);
    assertThat(KeysCommand.exitCode(new RewrapReport(2, 0, 1, 0, 1, 0, java.util.Map.of()), true))
        .isEqualTo(2);
  }

  static PrintStream print(ByteArrayOutputStream out) {
    return new PrintStream(out, true, StandardCharsets.UTF_8);
  }
}
