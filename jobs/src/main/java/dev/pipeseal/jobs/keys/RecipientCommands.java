package dev.pipeseal.jobs.keys;

import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.jobs.cli.SharedOptions;
import dev.pipeseal.jobs.keys.KeysCommand.KeysSubcommand;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.RecipientAdmin;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.json.FlatJson;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pipeseal keys recipient ...}: recipient key pairs of a public-key provider (the hybrid
 * provider). Reached through the provider's {@link RecipientAdmin} capability, so this CLI names no
 * provider class. Only public keys are ever printed.
 */
@Command(
    name = "recipient",
    description = "Recipient key pairs of the hybrid provider (--kms hybrid:...).",
    subcommands = {
      RecipientCommands.Create.class,
      RecipientCommands.Rotate.class,
      RecipientCommands.ListRecipients.class,
      RecipientCommands.ExportPublic.class,
      HelpCommand.class
    })
final class RecipientCommands implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin(name = SharedOptions.NAME)
  SharedOptions shared;

  @Override
  public Integer call() {
    throw new ParameterException(
        spec.commandLine(), "recipient needs one of [create, list, rotate, export-public]");
  }

  /** A recipient command: fails as a usage error on a provider without recipients. */
  abstract static class RecipientSubcommand extends KeysSubcommand {
    @Override
    final int execute(KmsBridge kms, Map<String, String> props) {
      KmsAdmin admin = admin(kms);
      Optional<RecipientAdmin> recipients = admin.capability(RecipientAdmin.class);
      if (recipients.isEmpty()) {
        err().println("pipeseal keys: 'recipient' needs the hybrid provider (--kms hybrid:...)");
        return ExitCode.USAGE;
      }
      return execute(admin, recipients.get());
    }

    abstract int execute(KmsAdmin admin, RecipientAdmin recipients);
  }

  @Command(
      name = "create",
      description = {
        "Make a recipient key pair (version 1); needs the private key store"
            + " (pipeseal.kms.provider.private-keys)."
      })
  static final class Create extends RecipientSubcommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    int execute(KmsAdmin admin, RecipientAdmin recipients) {
      print("recipient create", admin.createKey(name));
      return ExitCode.OK;
    }
  }

  @Command(
      name = "rotate",
      description = "Make a new key pair version of NAME; needs the private key store.")
  static final class Rotate extends RecipientSubcommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    int execute(KmsAdmin admin, RecipientAdmin recipients) {
      print("recipient rotate", admin.rotateKey(name));
      return ExitCode.OK;
    }
  }

  @Command(name = "list", description = "Recipients, current versions, fingerprints.")
  static final class ListRecipients extends RecipientSubcommand {
    @Override
    int execute(KmsAdmin admin, RecipientAdmin recipients) {
      for (MasterKeyInfo k : admin.listKeys()) {
        String fingerprint = recipients.fingerprint(k.name()).orElse("");
        if (json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("command", "recipient list");
          m.put("name", k.name());
          m.put("currentVersion", k.currentVersion());
          m.put("versions", String.join(",", k.versions()));
          m.put("fingerprint", fingerprint);
          out().println(FlatJson.write(m));
        } else {
          out()
              .printf(
                  "%s current=%s versions=%s fingerprint=%s%n",
                  k.name(), k.currentVersion(), String.join(",", k.versions()), fingerprint);
        }
      }
      return ExitCode.OK;
    }
  }

  @Command(
      name = "export-public",
      description = {
        "Print NAME's current public key line, to add to a write-only producer's recipients file."
      })
  static final class ExportPublic extends RecipientSubcommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    int execute(KmsAdmin admin, RecipientAdmin recipients) {
      Optional<String> line = recipients.exportPublic(name);
      if (line.isEmpty()) {
        err().println("pipeseal keys: no recipient '" + name + "'");
        return ExitCode.FAILED;
      }
      out().println(line.get());
      return ExitCode.OK;
    }
  }
}
