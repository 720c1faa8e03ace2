package dev.pipeseal.jobs.shred;

import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.jobs.cli.SharedOptions;
import dev.pipeseal.jobs.run.FaultInjection;
import dev.pipeseal.kms.audit.AuditLog;
import dev.pipeseal.kms.audit.Slf4jAuditSink;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.kms.registry.SubjectKeyRegistry.ShredResult;
import dev.pipeseal.kms.secret.Secret;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.settings.Settings;
import dev.pipeseal.registry.KeyRegistries;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code pipeseal shred --subject ID [--registry LOC]}: destroys every key of each subject in the
 * registry's subject area and writes one audit line per subject (to the bridge's audit trail when
 * KMS settings are given, else the {@code pipeseal.audit} logger). Afterwards the subjects' values
 * fail to decrypt with a typed "erased" error naming the subject's hash. Idempotent: rerunning it
 * after a crash finishes an interrupted shred.
 */
@Command(
    name = "shred",
    description =
        "Crypto-shred data subjects: destroy every key of each subject in the key registry, so"
            + " their values can never be decrypted again.",
    footer = {
      "",
      "Subject ids are turned into registry ids with the keyed hash whose key is",
      "pipeseal.subject.prf-key (a secret reference: env:NAME or file:/path).",
      "exit codes: 0 done, 1 failed, 2 partly done (rerun it), 64 usage error"
    })
public final class ShredCommand implements Callable<Integer> {
  private static final String REGISTRY_LOCATION = SharedOptions.REGISTRY_LOCATION;

  @Spec CommandSpec spec;

  @Mixin(name = SharedOptions.NAME)
  SharedOptions shared;

  @Option(
      names = "--subject",
      paramLabel = "ID",
      description = "Subject id to erase (repeatable); hashed with pipeseal.subject.prf-key")
  List<String> subjects = new ArrayList<>();

  @Option(
      names = "--subject-hash",
      paramLabel = "HEX",
      description =
          "Subject hash to erase (32 hex digits, as erased-value errors name it; repeatable)")
  List<String> hashes = new ArrayList<>();

  @Option(
      names = "--registry",
      paramLabel = "LOC",
      description = "Key registry (default: " + REGISTRY_LOCATION + ")")
  String registry;

  @Override
  public Integer call() {
    Map<String, String> props = shared.properties(spec);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String location = registry != null ? registry : props.get(REGISTRY_LOCATION);
    if (location == null) {
      throw new ParameterException(
          spec.commandLine(), "missing --registry LOC (or " + REGISTRY_LOCATION + ")");
    }
    if (subjects.isEmpty() && hashes.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "give --subject ID or --subject-hash HEX");
    }
    List<SubjectHash> targets = new ArrayList<>();
    for (String h : hashes) {
      try {
        targets.add(SubjectHash.parse(h.toLowerCase(java.util.Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--subject-hash: " + e.getMessage());
      }
    }
    if (!subjects.isEmpty()) {
      SubjectHasher hasher = hasher(props);
      for (String s : subjects) {
        if (s.isEmpty()) {
          throw new ParameterException(spec.commandLine(), "--subject must not be empty");
        }
        targets.add(hasher.hash(s));
      }
    }
    KmsBridge bridge =
        props.containsKey(SharedOptions.KMS_URI)
            ? KmsBridge.open(SharedOptions.kmsProperties(props))
            : null;
    AuditLog fallback = null;
    try (SubjectKeyRegistry reg =
        KeyRegistries.openSubjects(
            location,
            SharedOptions.registryProperties(props),
            step -> FaultInjection.at("shred-" + step, location))) {
      AuditLog audit;
      if (bridge != null) {
        audit = bridge.auditLog().orElse(null);
      } else {
        fallback = new AuditLog(new Slf4jAuditSink(), null, null, Clock.systemUTC());
        audit = fallback;
      }
      int failed = 0;
      for (SubjectHash subject : targets) {
        try {
          ShredResult r = reg.shred(subject);
          if (audit != null) {
            audit.admin(
                "key-registry",
                subject.hex(),
                null,
                "shred",
                "ok",
                "keys destroyed="
                    + r.keysDestroyed()
                    + ", files replaced="
                    + r.filesRemoved()
                    + (r.alreadyErased() ? ", already erased" : ""));
          }
          print(out, location, r);
        } catch (RuntimeException e) {
          failed++;
          if (audit != null) {
            try {
              audit.admin(
                  "key-registry", subject.hex(), null, "shred", e.getClass().getSimpleName(), null);
            } catch (RuntimeException auditFailed) {
              err.println(
                  "pipeseal shred: cannot write the audit line: " + auditFailed.getMessage());
            }
          }
          // Registry errors name the location and file, never key material.
          err.println("pipeseal shred: subject " + subject.hex() + ": " + e.getMessage());
        }
      }
      if (failed == 0) {
        return ExitCode.OK;
      }
      return failed < targets.size() ? ExitCode.PARTIAL : ExitCode.FAILED;
    } finally {
      if (fallback != null) {
        fallback.close();
      }
      if (bridge != null) {
        bridge.close();
      }
      out.flush();
      err.flush();
    }
  }

  private SubjectHasher hasher(Map<String, String> props) {
    String name = "pipeseal." + SubjectHasher.PRF_KEY.name();
    if (!props.containsKey(name)) {
      throw new ParameterException(
          spec.commandLine(),
          "--subject needs " + name + " (env:NAME or file:/path), the writers' subject PRF key");
    }
    try (Secret key =
        Settings.of(props)
            .withSource("shred")
            .scoped("pipeseal.")
            .secret(SubjectHasher.PRF_KEY, SecretSource.system())) {
      return SubjectHasher.of(key);
    } catch (RuntimeException e) {
      throw new ParameterException(spec.commandLine(), name + ": " + e.getMessage());
    }
  }

  private void print(PrintWriter out, String location, ShredResult r) {
    if (shared.json(spec)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("command", "shred");
      m.put("registry", location);
      m.put("subject", r.subject().hex());
      m.put("keysDestroyed", r.keysDestroyed());
      m.put("filesReplaced", r.filesRemoved());
      m.put("alreadyErased", r.alreadyErased());
      out.println(FlatJson.write(m));
    } else {
      out.printf(
          "subject %s: %s; %d key(s) destroyed, %d file(s) replaced%n",
          r.subject().hex(),
          r.alreadyErased() ? "was already erased" : "erased",
          r.keysDestroyed(),
          r.filesRemoved());
    }
  }
}
