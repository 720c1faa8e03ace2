package dev.pipeseal.jobs.keys;

import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.pq.HybridKms;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code pipeseal keys recipient ...}: recipient key pairs of the hybrid provider. Only public keys
 * are ever printed.
 */
final class RecipientCommands {
  private RecipientCommands() {}

  static int run(CliOptions options, KmsAdmin admin, PrintStream out, PrintStream err) {
    if (!(admin instanceof HybridKms hybrid)) {
      err.println("pipeseal keys: 'recipient' needs the hybrid provider (--kms hybrid:...)");
      return ExitCode.USAGE;
    }
    String name = options.keyName();
    switch (options.subcommand()) {
      case "create" -> KeysCli.print(out, options, "recipient create", hybrid.createKey(name));
      case "rotate" -> KeysCli.print(out, options, "recipient rotate", hybrid.rotateKey(name));
      case "list" -> {
        for (MasterKeyInfo k : hybrid.listKeys()) {
          String fingerprint = hybrid.fingerprint(k.name()).orElse("");
          if (options.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("command", "recipient list");
            m.put("name", k.name());
            m.put("currentVersion", k.currentVersion());
            m.put("versions", String.join(",", k.versions()));
            m.put("fingerprint", fingerprint);
            out.println(FlatJson.write(m));
          } else {
            out.printf(
                "%s current=%s versions=%s fingerprint=%s%n",
                k.name(), k.currentVersion(), String.join(",", k.versions()), fingerprint);
          }
        }
      }
      case "export-public" -> {
        Optional<String> line = hybrid.exportPublic(name);
        if (line.isEmpty()) {
          err.println("pipeseal keys: no recipient '" + name + "'");
          return ExitCode.FAILED;
        }
        out.println(line.get());
      }
      default -> throw new IllegalStateException("unhandled recipient " + options.subcommand());
    }
    return ExitCode.OK;
  }
}
