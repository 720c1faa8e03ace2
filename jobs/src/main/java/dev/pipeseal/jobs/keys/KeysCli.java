package dev.pipeseal.jobs.keys;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.registry.CorruptRecordException;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.registry.KeyRegistries;
import dev.pipeseal.registry.rotation.RegistryRewrapper;
import dev.pipeseal.registry.rotation.RewrapReport;
import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code pipeseal keys}: manages master keys and rewraps the key registry.
 *
 * <p>Results go to stdout (text, or one flat JSON object per line with {@code --json}); errors go
 * to stderr; see {@link ExitCode}. No key material is ever printed.
 */
public final class KeysCli {
  static final String USAGE =
      """
      usage: pipeseal keys [options] COMMAND
        create NAME        create master key NAME (version 1)
        list               list master keys and their versions
        describe NAME      show the current version of NAME
        rotate NAME        make a new current version of NAME; old versions still unwrap
        rewrap --registry LOCATION [--key NAME] [--dry-run] [--batch N]
                           rewrap registry records not under their key's current version
        compact --registry LOCATION
                           delete superseded record generations (after a rewrap, before
                           retiring old master key versions); needs no --kms
        recipient create|rotate NAME
                           hybrid provider: make a recipient key pair (version 1) or a new
                           version; needs the private key store (provider.private-keys)
        recipient list     hybrid provider: recipients, current versions, fingerprints
        recipient export-public NAME
                           hybrid provider: print NAME's current public key line, to add to a
                           write-only producer's recipients file
      options:
        --kms URI          provider URI, e.g. pkcs11:token=pipeseal (or 'uri' in --config)
        --config FILE      provider settings (properties; keys with or without 'pipeseal.kms.')
        -Dpipeseal.kms.KEY=VALUE
                           one provider setting; overrides --config
        --json             print one JSON object per line
        --help             print this text
      exit codes: 0 ok, 1 failed, 2 partly done (some records failed), 64 usage error
      """;

  /** Runs the CLI; JVM properties {@code pipeseal.kms.*} act as lowest-priority settings. */
  public static void main(String[] args) {
    List<String> all = new ArrayList<>();
    for (String key : System.getProperties().stringPropertyNames()) {
      if (key.startsWith(CliOptions.PREFIX)) {
        all.add("-D" + key + "=" + System.getProperty(key));
      }
    }
    // Explicit options come later and so win.
    all.addAll(List.of(args));
    System.exit(new KeysCli().run(all.toArray(String[]::new), System.out, System.err));
  }

  /** Runs one command and returns its exit code; never calls {@code System.exit}. */
  public int run(String[] args, PrintStream out, PrintStream err) {
    CliOptions options;
    try {
      options = CliOptions.parse(args);
    } catch (UsageException e) {
      err.println("pipeseal keys: " + e.getMessage());
      err.print(USAGE);
      return ExitCode.USAGE;
    }
    if (options.command().equals("help")) {
      out.print(USAGE);
      return ExitCode.OK;
    }
    if (options.command().equals("compact")) {
      return compact(options, out, err);
    }
    // Through the bridge stack, not the bare provider: records wrapped under a KEK (the default
    // for connectors) can only be rewrapped by the KEK layer, and every operation is audited.
    URI uri = URI.create(options.kmsUri());
    try (Kms kms =
        KmsBridge.assemble(
            KmsProviders.open(uri, providerSettings(options.config())),
            KmsBridgeConfig.defaults(uri, providerSettings(options.config())),
            Clock.systemUTC())) {
      return execute(options, kms, out, err);
    } catch (KmsException | RegistryException e) {
      err.println("pipeseal keys: " + e.getMessage());
      return ExitCode.FAILED;
    } catch (RuntimeException e) {
      // Our exceptions never carry key material, so the message is safe to show.
      err.println("pipeseal keys: " + e);
      return ExitCode.FAILED;
    }
  }

  private int execute(CliOptions options, Kms kms, PrintStream out, PrintStream err) {
    switch (options.command()) {
      case "create" -> print(out, options, "create", admin(kms).createKey(options.keyName()));
      case "rotate" -> print(out, options, "rotate", admin(kms).rotateKey(options.keyName()));
      case "describe" ->
          print(
              out,
              options,
              "describe",
              join(kms.describe(options.keyName()).toCompletableFuture()));
      case "list" -> {
        for (MasterKeyInfo info : admin(kms).listKeys()) {
          print(out, options, "list", info);
        }
      }
      case "rewrap" -> {
        return rewrap(options, kms, out, err);
      }
      case "recipient" -> {
        return RecipientCommands.run(options, admin(kms), out, err);
      }
      default -> throw new IllegalStateException("unhandled command " + options.command());
    }
    return ExitCode.OK;
  }

  private int rewrap(CliOptions options, Kms kms, PrintStream out, PrintStream err) {
    try (KeyRegistry registry =
        KeyRegistries.open(options.registry(), registrySettings(options.config()))) {
      RewrapReport report =
          new RegistryRewrapper(
                  kms,
                  registry,
                  options.keyName(),
                  options.dryRun(),
                  options.batchSize(),
                  line -> err.println("pipeseal keys: " + line))
              .run();
      if (options.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", "rewrap");
        m.put("registry", options.registry());
        m.put("dryRun", options.dryRun());
        m.put("scanned", report.scanned());
        m.put("current", report.current());
        m.put("stale", report.stale());
        m.put("rewrapped", report.rewrapped());
        m.put("failed", report.failed());
        m.put("skipped", report.skipped());
        out.println(FlatJson.write(m));
      } else {
        out.printf(
            "%s %d records in %s: %d current, %d stale, %d skipped (other provider or key)%n",
            options.dryRun() ? "dry run: scanned" : "scanned",
            report.scanned(),
            options.registry(),
            report.current(),
            report.stale(),
            report.skipped());
        report
            .staleByKey()
            .forEach(
                (name, n) ->
                    out.printf(
                        "  %s: %d record(s) %s%n",
                        name, n, options.dryRun() ? "would be rewrapped" : "stale"));
        if (!options.dryRun()) {
          out.printf("rewrapped %d, failed %d%n", report.rewrapped(), report.failed());
        } else if (report.failed() > 0) {
          out.printf("failed %d%n", report.failed());
        }
      }
      return exitCode(report, options.dryRun());
    }
  }

  private static int compact(CliOptions options, PrintStream out, PrintStream err) {
    try (KeyRegistry registry =
        KeyRegistries.open(options.registry(), registrySettings(options.config()))) {
      int removed = registry.compact();
      if (options.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", "compact");
        m.put("registry", options.registry());
        m.put("removed", removed);
        out.println(FlatJson.write(m));
      } else {
        out.printf(
            "removed %d superseded or abandoned file(s) in %s%n", removed, options.registry());
      }
      return ExitCode.OK;
    } catch (CorruptRecordException e) {
      err.println("pipeseal keys: " + e.getMessage());
      return ExitCode.PARTIAL;
    } catch (RuntimeException e) {
      err.println("pipeseal keys: " + e.getMessage());
      return ExitCode.FAILED;
    }
  }

  static int exitCode(RewrapReport report, boolean dryRun) {
    if (report.complete()) {
      return ExitCode.OK;
    }
    return report.partial(dryRun) ? ExitCode.PARTIAL : ExitCode.FAILED;
  }

  private static KmsAdmin admin(Kms kms) {
    if (kms instanceof KmsBridge bridge && bridge.admin().isPresent()) {
      return bridge.admin().get();
    }
    if (kms instanceof KmsAdmin admin) {
      return admin;
    }
    throw new KmsException(kms.providerId(), null, "this provider does not support key management");
  }

  static void print(PrintStream out, CliOptions options, String command, MasterKeyInfo k) {
    if (options.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("command", command);
      m.put("provider", k.provider());
      m.put("name", k.name());
      m.put("currentVersion", k.currentVersion());
      m.put("versions", String.join(",", k.versions()));
      out.println(FlatJson.write(m));
    } else {
      out.printf(
          "%s current=%s versions=%s%n",
          k.name(), k.currentVersion(), String.join(",", k.versions()));
    }
  }

  private static <T> T join(java.util.concurrent.CompletableFuture<T> future) {
    try {
      return future.get(2, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException | CompletionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(String.valueOf(cause), cause);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("KMS call timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  // The --config file mixes the provider's settings with "uri" and the registry's "registry.*";
  // each reader rejects names it does not know, so each gets only its own.
  private static Map<String, String> providerSettings(Map<String, String> config) {
    Map<String, String> out = new TreeMap<>(config);
    out.remove("uri");
    out.keySet().removeIf(k -> k.startsWith("registry."));
    return out;
  }

  private static Map<String, String> registrySettings(Map<String, String> config) {
    Map<String, String> out = new TreeMap<>(config);
    out.keySet().removeIf(k -> !k.startsWith("registry."));
    return out;
  }
}
