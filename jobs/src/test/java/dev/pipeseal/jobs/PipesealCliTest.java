package dev.pipeseal.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.jobs.run.JobOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class PipesealCliTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Path pass;
  private String uri;

  @BeforeEach
  void keyStore() throws Exception {
    pass = dir.resolve("pass");
    Files.writeString(pass, "pw");
    uri = "local://" + dir.resolve("k.p12");
  }

  private int run(String... args) {
    out.reset();
    err.reset();
    return PipesealCli.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void usageErrorsExitWith64() {
    assertThat(run()).isEqualTo(64);
    assertThat(run("frobnicate")).isEqualTo(64);
    assertThat(err()).contains("unknown command 'frobnicate'");
    assertThat(run("demo", "--rows", "0")).isEqualTo(64);
    assertThat(run("demo", "--rows", "9")).isEqualTo(64); // the demo looks up record 7
    assertThat(run("demo", "--bogus", "1")).isEqualTo(64);
    assertThat(run("help")).isZero();
    assertThat(out()).contains("usage: pipeseal COMMAND");
  }

  @Test
  void versionSaysWhichAesGcmBackendThisJvmUses() {
    assertThat(run("--version")).isZero();
    assertThat(out()).contains("pipeseal ");
    assertThat(out())
        .contains("AES-GCM backend: " + dev.pipeseal.crypto.aead.CallerNonceGcm.backend());
    if ("required".equals(System.getenv("PIPESEAL_NATIVE"))) {
      assertThat(out()).contains("AES-GCM backend: native: libsodium");
    }
  }

  @Test
  void keysCommandDelegatesToTheAdminCli() throws Exception {
    assertThat(
            run(
                "keys",
                "--kms",
                uri,
                "--conf",
                "pipeseal.kms.provider.password=file:" + pass,
                "--conf",
                "pipeseal.kms.provider.create=true",
                "create",
                "pii"))
        .isZero();
    assertThat(
            run(
                "keys",
                "--kms",
                uri,
                "--conf",
                "pipeseal.kms.provider.password=file:" + pass,
                "list"))
        .isZero();
    assertThat(out()).contains("pii current=1");
  }

  @Test
  void keysTakeTheJobsOptionSyntaxAfterTheSubcommand() {
    String password = "pipeseal.kms.provider.password=file:" + pass;
    assertThat(
            run(
                "keys",
                "create",
                "pii",
                "--kms",
                uri,
                "--conf",
                password,
                "--conf",
                "pipeseal.kms.provider.create=true"))
        .as(err())
        .isZero();
    // As the issue tried it: rotate with the same options as the jobs, both value spellings.
    assertThat(run("keys", "rotate", "pii", "--kms", uri, "--conf", password)).as(err()).isZero();
    assertThat(out()).isEqualTo("pii current=2 versions=1,2\n");
    assertThat(run("keys", "rotate", "pii", "--kms=" + uri, "--conf=" + password)).isZero();
    assertThat(out()).isEqualTo("pii current=3 versions=1,2,3\n");
    assertThat(run("keys", "describe", "pii", "--json", "--kms=" + uri, "--conf=" + password))
        .isZero();
    assertThat(out()).contains("\"currentVersion\":\"3\"");
  }

  @Test
  void configFileHoldsTheSettingsAndConfWinsOverIt() throws Exception {
    Path config = dir.resolve("pipeseal.properties");
    Files.writeString(
        config,
        "pipeseal.kms.uri="
            + uri
            + "\npipeseal.kms.provider.password=file:"
            + pass
            + "\npipeseal.kms.provider.create=true\npipeseal.parquet.table=from-file\n");
    assertThat(run("keys", "create", "orders", "--config", config.toString())).as(err()).isZero();
    assertThat(run("keys", "list", "--config=" + config)).isZero();
    assertThat(out()).isEqualTo("orders current=1 versions=1\n");
    // A --conf naming another key store wins over the file's.
    assertThat(
            run(
                "keys",
                "list",
                "--config",
                config.toString(),
                "--conf",
                "pipeseal.kms.uri=local://" + dir.resolve("other.p12")))
        .isZero();
    assertThat(out()).isEmpty();

    JobOptions o =
        JobCommand.options(
            "verify",
            List.of(
                "/lake",
                "--config",
                config.toString(),
                "--conf",
                "pipeseal.parquet.table=from-conf"));
    assertThat(o.properties())
        .containsEntry("pipeseal.kms.uri", uri)
        .containsEntry("pipeseal.parquet.table", "from-conf");
    assertThat(o.kmsProperties()).doesNotContainKey("pipeseal.parquet.table");
    assertThat(run("verify", "/lake", "--config", dir.resolve("missing.properties").toString()))
        .isEqualTo(64);
    assertThat(err()).contains("cannot read --config");
  }

  @Test
  void everyCommandThatUsesAKmsTakesTheSameOptionsInBothSpellings() throws Exception {
    Path config = dir.resolve("empty.properties");
    Files.writeString(config, "");
    List<List<String>> commands =
        List.of(
            List.of("inventory", "/lake"),
            List.of("rotate", "/lake"),
            List.of("reencrypt", "/lake"),
            List.of("verify", "/lake"),
            List.of("keys", "create", "k"),
            List.of("keys", "list"),
            List.of("keys", "describe", "k"),
            List.of("keys", "rotate", "k"),
            List.of("keys", "rewrap", "--registry", "/r"),
            List.of("keys", "compact", "--registry", "/r"),
            List.of("keys", "status", "--registry", "/r"),
            List.of("keys", "rotate", "--if-due"),
            List.of("keys", "retire", "k", "--version", "1", "--registry", "/r"),
            List.of("keys", "recipient", "create", "k"),
            List.of("keys", "recipient", "rotate", "k"),
            List.of("keys", "recipient", "list"),
            List.of("keys", "recipient", "export-public", "k"));
    for (List<String> command : commands) {
      for (boolean attached : new boolean[] {false, true}) {
        List<String> args = new ArrayList<>(command);
        args.addAll(
            attached
                ? List.of("--kms=x:y", "--conf=a.b=c=d", "--config=" + config, "--json")
                : List.of("--kms", "x:y", "--conf", "a.b=c=d", "--config", config.toString()));
        StringWriter sink = new StringWriter();
        CommandLine.ParseResult r =
            PipesealCli.commandLine(new PrintWriter(sink), new PrintWriter(sink))
                .parseArgs(args.toArray(String[]::new));
        while (r.hasSubcommand()) {
          r = r.subcommand();
        }
        assertThat(r.matchedOptionValue("--kms", "")).as(args.toString()).isEqualTo("x:y");
        assertThat(r.matchedOptionValue("--conf", List.of())).isEqualTo(List.of("a.b=c=d"));
        assertThat(r.hasMatchedOption("--config")).isTrue();
      }
    }
  }

  @Test
  void helpOfEverySubcommandListsItsOptions() {
    StringWriter sink = new StringWriter();
    CommandLine root = PipesealCli.commandLine(new PrintWriter(sink), new PrintWriter(sink));
    List<CommandLine> all = new ArrayList<>();
    collect(root, all);
    assertThat(all).hasSizeGreaterThan(15);
    for (CommandLine c : all) {
      List<String> args = new ArrayList<>(List.of(c.getCommandSpec().qualifiedName().split(" ")));
      args.remove(0); // "pipeseal"
      args.add("--help");
      assertThat(run(args.toArray(String[]::new))).as(args.toString()).isZero();
      String help = out();
      assertThat(help).as(args.toString()).contains("usage: " + c.getCommandSpec().qualifiedName());
      for (OptionSpec o : c.getCommandSpec().options()) {
        if (!o.hidden()) {
          assertThat(help).as(args + " lists " + o.longestName()).contains(o.longestName());
        }
      }
    }
    assertThat(run("rotate", "--help")).isZero();
    assertThat(out()).contains("--kms=URI", "--conf=KEY=VALUE", "--config=FILE", "--registry=LOC");
    assertThat(run("keys", "help", "rewrap")).isZero();
    assertThat(out()).contains("usage: pipeseal keys rewrap", "--dry-run", "--batch=N");
  }

  private static void collect(CommandLine c, List<CommandLine> into) {
    into.add(c);
    for (Map.Entry<String, CommandLine> e : c.getSubcommands().entrySet()) {
      if (!e.getKey().equals("help")) {
        collect(e.getValue(), into);
      }
    }
  }

  @Test
  void unknownOptionIsAUsageErrorNamingIt() {
    for (String[] args :
        new String[][] {
          {"rotate", "/lake", "--kms", "x:y", "--frobnicate"},
          {"inventory", "/lake", "--frobnicate=1"},
          {"keys", "list", "--kms", "x:y", "--frobnicate"},
          {"keys", "recipient", "list", "--frobnicate"},
          {"demo", "--frobnicate"},
        }) {
      assertThat(run(args)).as(String.join(" ", args)).isEqualTo(64);
      assertThat(err()).contains("Unknown option: '--frobnicate").contains("usage: pipeseal");
      assertThat(out()).isEmpty();
    }
    // An option of another command is unknown here, and named.
    assertThat(run("verify", "/lake", "--kms", "x:y", "--registry", "/r")).isEqualTo(64);
    assertThat(err()).contains("'--registry'");
  }

  @Test
  void completionScriptCoversCommandsAndOptions() {
    assertThat(run("completion")).isZero();
    String script = out();
    assertThat(script).startsWith("#!/usr/bin/env bash");
    assertThat(script).contains("complete -F").contains("_picocli_pipeseal");
    assertThat(script)
        .contains("inventory", "reencrypt", "rewrap", "export-public", "--kms", "--conf")
        .contains("--registry", "--sample");
    assertThat(script).contains("(\"spark\" \"local\")"); // --engine values
  }
}
