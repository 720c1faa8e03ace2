package dev.pipeseal.jobs.keys;

import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.jobs.cli.SharedOptions;
import dev.pipeseal.jobs.migration.MigrationTarget;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.registry.CorruptRecordException;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.registry.rotation.RegistryMigrator;
import dev.pipeseal.registry.rotation.RegistryRewrapper;
import dev.pipeseal.registry.rotation.RewrapReport;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pipeseal keys}: manages master keys and rewraps the key registry.
 *
 * <p>Results go to stdout (text, or one flat JSON object per line with {@code --json}); errors go
 * to stderr; see {@link ExitCode}. No key material is ever printed.
 */
@Command(
    name = "keys",
    description = "Master keys and the key registry.",
    footer = {
      "",
      "Options given before COMMAND apply to it as if given after it.",
      "exit codes: 0 ok, 1 failed, 2 partly done (some records failed), 3 status: a key is"
          + " overdue for rotation, 4 retire refused (version still referenced), 64 usage error"
    },
    subcommands = {
      KeysCommand.Create.class,
      KeysCommand.ListKeys.class,
      KeysCommand.Describe.class,
      KeysCommand.Rotate.class,
      KeysCommand.Rewrap.class,
      KeysCommand.Compact.class,
      RecipientCommands.class,
      KeyLifecycleCommands.Status.class,
      KeyLifecycleCommands.Retire.class,
      HelpCommand.class
    })
public final class KeysCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin(name = SharedOptions.NAME)
  SharedOptions shared;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing command");
  }

  /**
   * What every {@code keys} subcommand shares: its settings (layered over the group's), the KMS
   * bridge, output in text or JSON.
   */
  abstract static class KeysSubcommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin(name = SharedOptions.NAME)
    SharedOptions shared;

    /** What "now" is for rotation policies; tests set a fixed clock. */
    java.time.Clock clock = java.time.Clock.systemUTC();

    /** This command's settings, over those given to its parent groups. */
    Map<String, String> properties() {
      return shared.properties(spec);
    }

    boolean json() {
      return shared.json(spec);
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    @Override
    public Integer call() {
      Map<String, String> props = properties();
      if (!props.containsKey(SharedOptions.KMS_URI)) {
        throw new ParameterException(
            spec.commandLine(),
            "missing --kms URI (or " + SharedOptions.KMS_URI + " in --conf or --config)");
      }
      // Through the bridge stack, not the bare provider: records wrapped under a KEK (the default
      // for connectors) can only be rewrapped by the KEK layer, and every operation is audited.
      try (KmsBridge kms = KmsBridge.open(SharedOptions.kmsProperties(props))) {
        return execute(kms, props);
      } catch (KmsException | RegistryException e) {
        err().println("pipeseal keys: " + e.getMessage());
        return ExitCode.FAILED;
      } catch (RuntimeException e) {
        // Our exceptions never carry key material, so the message is safe to show.
        err().println("pipeseal keys: " + e);
        return ExitCode.FAILED;
      } finally {
        out().flush();
        err().flush();
      }
    }

    /** Runs the command on the open bridge; returns the exit code. */
    abstract int execute(KmsBridge kms, Map<String, String> props);

    /** Master-key management of the provider under the bridge. */
    static KmsAdmin admin(KmsBridge kms) {
      return kms.admin()
          .orElseThrow(
              () ->
                  new KmsException(
                      kms.providerId(), null, "this provider does not support key management"));
    }

    void print(String command, MasterKeyInfo k) {
      if (json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", command);
        m.put("provider", k.provider());
        m.put("name", k.name());
        m.put("currentVersion", k.currentVersion());
        m.put("versions", String.join(",", k.versions()));
        out().println(FlatJson.write(m));
      } else {
        out()
            .printf(
                "%s current=%s versions=%s%n",
                k.name(), k.currentVersion(), String.join(",", k.versions()));
      }
    }
  }

  @Command(name = "create", description = "Create master key NAME (version 1).")
  static final class Create extends KeysSubcommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    int execute(KmsBridge kms, Map<String, String> props) {
      print("create", admin(kms).createKey(name));
      return ExitCode.OK;
    }
  }

  @Command(name = "list", description = "List master keys and their versions.")
  static final class ListKeys extends KeysSubcommand {
    @Override
    int execute(KmsBridge kms, Map<String, String> props) {
      for (MasterKeyInfo info : admin(kms).listKeys()) {
        print("list", info);
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "describe", description = "Show the current version of NAME.")
  static final class Describe extends KeysSubcommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    int execute(KmsBridge kms, Map<String, String> props) {
      print("describe", KmsCalls.await(kms.describe(name)));
      return ExitCode.OK;
    }
  }

  @Command(
      name = "rotate",
      description = "Make a new current version of NAME; old versions still unwrap.")
  static final class Rotate extends KeysSubcommand {
    @Parameters(
        paramLabel = "NAME",
        arity = "0..1",
        description = "The key (optional with --if-due)")
    String name;

    @Option(
        names = "--if-due",
        description =
            "Only if past its rotation period (pipeseal.keys.rotation.*); without NAME every key."
                + " For cron: a rerun rotates nothing more")
    boolean ifDue;

    @Override
    public Integer call() {
      if (name == null && !ifDue) {
        throw new ParameterException(spec.commandLine(), "missing NAME (or --if-due)");
      }
      return super.call();
    }

    @Override
    int execute(KmsBridge kms, Map<String, String> props) {
      if (ifDue) {
        return KeyLifecycleCommands.rotateIfDue(
            this, kms, props, name == null ? java.util.List.of() : java.util.List.of(name));
      }
      MasterKeyInfo info = admin(kms).rotateKey(name);
      kms.auditAdmin(info.provider(), name, info.currentVersion(), "rotate", "ok", null);
      print("rotate", info);
      return ExitCode.OK;
    }
  }

  @Command(
      name = "rewrap",
      description = {
        "Rewrap registry records not under their key's current version; with --to URI, move"
            + " every record to that provider instead (migration)."
      })
  static final class Rewrap extends KeysSubcommand {
    static final int DEFAULT_BATCH = 100;

    @Option(names = "--registry", paramLabel = "LOC", required = true, description = "Key registry")
    String registry;

    @Option(names = "--key", paramLabel = "NAME", description = "Only this master key's records")
    String key;

    @Option(names = "--dry-run", description = "Report what would be rewrapped, change nothing")
    boolean dryRun;

    @Option(
        names = "--batch",
        paramLabel = "N",
        defaultValue = "" + DEFAULT_BATCH,
        description = "Records per KMS batch call, 1..100000 (default ${DEFAULT-VALUE})")
    int batch;

    @Option(
        names = "--to",
        paramLabel = "URI",
        description =
            "Migrate: wrap every record's DEK under this provider (its settings: the reader"
                + " configured with this URI); the current provider stays a reader")
    String to;

    /** With {@code --to}: the target as the bridge's writer, the current provider a reader. */
    @Override
    Map<String, String> properties() {
      Map<String, String> props = super.properties();
      if (to == null || !props.containsKey(SharedOptions.KMS_URI)) {
        return props;
      }
      try {
        return MigrationTarget.apply(props, to);
      } catch (KmsConfigException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
    }

    @Override
    public Integer call() {
      if (batch < 1 || batch > 100_000) {
        throw new ParameterException(
            spec.commandLine(), "--batch must be 1..100000, got '" + batch + "'");
      }
      return super.call();
    }

    @Override
    int execute(KmsBridge kms, Map<String, String> props) {
      try (KeyRegistry reg = KeyRegistries.open(registry, SharedOptions.registryProperties(props));
          SubjectKeyRegistry subjects =
              KeyRegistries.openSubjects(registry, SharedOptions.registryProperties(props))) {
        RewrapReport report =
            to != null
                ? new RegistryMigrator(
                        kms, reg, key, dryRun, line -> err().println("pipeseal keys: " + line))
                    .withSubjects(subjects)
                    .run()
                : new RegistryRewrapper(
                        kms,
                        reg,
                        key,
                        dryRun,
                        batch,
                        line -> err().println("pipeseal keys: " + line))
                    .withSubjects(subjects)
                    .run();
        print(report);
        return exitCode(report, dryRun);
      }
    }

    private void print(RewrapReport report) {
      PrintWriter out = out();
      if (json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", "rewrap");
        m.put("registry", registry);
        if (to != null) {
          m.put("to", to);
        }
        m.put("dryRun", dryRun);
        m.put("scanned", report.scanned());
        m.put("current", report.current());
        m.put("stale", report.stale());
        m.put("rewrapped", report.rewrapped());
        m.put("failed", report.failed());
        m.put("skipped", report.skipped());
        SubjectKeyRegistry.KeyRewrapResult sk = report.subjectKeys();
        if (sk != null) {
          m.put("subjectKeys", sk.keys());
          m.put("subjectKeysStale", sk.stale());
          m.put("subjectKeysRewrapped", sk.rewrapped());
          m.put("subjectKeysFailed", sk.failed());
        }
        out.println(FlatJson.write(m));
        return;
      }
      out.printf(
          to == null
              ? "%s %d records in %s: %d current, %d stale, %d skipped (other provider or key)%n"
              : "%s %d records in %s: %d on the target, %d elsewhere, %d skipped (other key)%n",
          dryRun ? "dry run: scanned" : "scanned",
          report.scanned(),
          registry,
          report.current(),
          report.stale(),
          report.skipped());
      report
          .staleByKey()
          .forEach(
              (name, n) ->
                  out.printf(
                      "  %s: %d record(s) %s%n",
                      name,
                      n,
                      dryRun
                          ? (to == null ? "would be rewrapped" : "would be moved to " + to)
                          : (to == null ? "stale" : "elsewhere")));
      if (!dryRun) {
        out.printf(
            "%s %d, failed %d%n",
            to == null ? "rewrapped" : "moved to " + to, report.rewrapped(), report.failed());
      } else if (report.failed() > 0) {
        out.printf("failed %d%n", report.failed());
      }
      SubjectKeyRegistry.KeyRewrapResult sk = report.subjectKeys();
      if (sk != null && sk.keys() > 0) {
        out.printf(
            "subject keys: %d, %d stale, %s %d, failed %d%n",
            sk.keys(),
            sk.stale(),
            dryRun
                ? (to == null ? "would rewrap" : "would move")
                : (to == null ? "rewrapped" : "moved"),
            dryRun ? sk.stale() : sk.rewrapped(),
            sk.failed());
      }
    }
  }

  @Command(
      name = "compact",
      description = {
        "Delete superseded record generations (after a rewrap, before retiring old master key"
            + " versions); needs no KMS."
      })
  static final class Compact extends KeysSubcommand {
    @Option(names = "--registry", paramLabel = "LOC", required = true, description = "Key registry")
    String registry;

    @Override
    public Integer call() {
      Map<String, String> props = properties();
      try (KeyRegistry reg =
          KeyRegistries.open(registry, SharedOptions.registryProperties(props))) {
        int removed = reg.compact();
        if (json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("command", "compact");
          m.put("registry", registry);
          m.put("removed", removed);
          out().println(FlatJson.write(m));
        } else {
          out().printf("removed %d superseded or abandoned file(s) in %s%n", removed, registry);
        }
        return ExitCode.OK;
      } catch (CorruptRecordException e) {
        err().println("pipeseal keys: " + e.getMessage());
        return ExitCode.PARTIAL;
      } catch (RuntimeException e) {
        err().println("pipeseal keys: " + e.getMessage());
        return ExitCode.FAILED;
      } finally {
        out().flush();
        err().flush();
      }
    }

    @Override
    int execute(KmsBridge kms, Map<String, String> props) {
      throw new IllegalStateException("compact needs no KMS");
    }
  }

  /** Exit code of a registry rewrap: done, partly done (a rerun finishes it), or failed. */
  static int exitCode(RewrapReport report, boolean dryRun) {
    if (report.complete()) {
      return ExitCode.OK;
    }
    return report.partial(dryRun) ? ExitCode.PARTIAL : ExitCode.FAILED;
  }
}
