package dev.pipeseal.jobs.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipeseal.jobs.JobCommand;
import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.jobs.cli.MetricsFile;
import dev.pipeseal.jobs.cli.SharedOptions;
import dev.pipeseal.jobs.lifecycle.KeyReferences;
import dev.pipeseal.jobs.lifecycle.KeyState;
import dev.pipeseal.jobs.lifecycle.RotationPolicy;
import dev.pipeseal.jobs.report.JobReport;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.VersionRetirement;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.metrics.MetricSample;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.kms.settings.Quantities;
import dev.pipeseal.registry.KeyRegistries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code keys status} and {@code keys retire}: the master-key lifecycle commands. The rotation
 * policy is {@link RotationPolicy}'s settings; references come from the sources given ({@code
 * --registry}, {@code --lake} or {@code --inventory}).
 */
final class KeyLifecycleCommands {
  private static final ObjectMapper JSON = new ObjectMapper();

  private KeyLifecycleCommands() {}

  /** Where references to master key versions are looked for. */
  static final class Sources {
    @Option(
        names = "--registry",
        paramLabel = "LOC",
        description = "Key registry: count its records per master key version")
    String registry;

    @Option(
        names = "--lake",
        paramLabel = "PATH",
        description =
            "Inventory this lake now (local threads; cells sampled) and count its files and cells"
                + " per version")
    String lake;

    @Option(
        names = "--inventory",
        paramLabel = "FILE",
        description = "A report of pipeseal inventory (--report or --json) instead of --lake")
    Path inventory;

    boolean any() {
      return registry != null || lake != null || inventory != null;
    }

    /** Reads every given source. */
    KeyReferences read(Map<String, String> props) {
      KeyReferences refs = new KeyReferences();
      KeyRegistry reg =
          registry == null
              ? null
              : KeyRegistries.open(registry, SharedOptions.registryProperties(props));
      try {
        if (reg != null) {
          refs.addRegistry(reg, registry);
          try (SubjectKeyRegistry subjects =
              KeyRegistries.openSubjects(registry, SharedOptions.registryProperties(props))) {
            refs.addSubjects(subjects, registry);
          }
        }
        if (inventory != null) {
          try {
            refs.addInventory(
                JSON.readTree(Files.readAllBytes(inventory)), reg, "inventory report " + inventory);
          } catch (IOException e) {
            throw new UncheckedIOException("cannot read inventory report " + inventory, e);
          }
        }
        if (lake != null) {
          refs.addInventory(inventory(lake, props), reg, "lake " + lake);
        }
        return refs;
      } finally {
        if (reg != null) {
          reg.close();
        }
      }
    }

    // The inventory job itself, in this JVM: the same listing, key-material parsing and cell
    // sampling as `pipeseal inventory`, with the same settings (encrypted footers need the KMS).
    private static JsonNode inventory(String lake, Map<String, String> props) {
      List<String> args = new ArrayList<>(List.of(lake, "--engine", "local", "--quiet"));
      props.forEach(
          (k, v) -> {
            if (!k.startsWith(RotationPolicy.PREFIX)) {
              args.add("--conf");
              args.add(k + "=" + v);
            }
          });
      try {
        JobReport report = JobCommand.execute(JobCommand.options("inventory", args), s -> {});
        return JSON.readTree(report.toJson(Instant.now().toString()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot inventory " + lake + ": " + e.getMessage(), e);
      }
    }
  }

  @Command(
      name = "status",
      description = {
        "Per master key: provider, current version and its age, rotation due or overdue (policy:"
            + " pipeseal.keys.rotation.*), and what references each version (with --registry,"
            + " --lake or --inventory)."
      },
      footer = {
        "",
        "exit codes: 0 nothing overdue, 3 some key overdue (past period + grace), 1 failed,"
            + " 64 usage error"
      })
  static final class Status extends KeysCommand.KeysSubcommand {
    @picocli.CommandLine.Mixin Sources sources;

    @picocli.CommandLine.Mixin MetricsFile metricsFile;

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Only these keys")
    List<String> names = new ArrayList<>();

    @Override
    int execute(KmsBridge kms, Map<String, String> props) {
      try (MetricsFile metrics = metricsFile.start("keys-status", err())) {
        int code = status(kms, props, metrics);
        metrics.finish(samples, code, clock);
        return code;
      }
    }

    private final List<MetricSample> samples = new ArrayList<>();

    private int status(KmsBridge kms, Map<String, String> props, MetricsFile metrics) {
      RotationPolicy policy = RotationPolicy.from(props);
      List<MasterKeyInfo> keys = new ArrayList<>();
      if (names.isEmpty()) {
        keys.addAll(admin(kms).listKeys());
      } else {
        for (String n : names) {
          keys.add(KmsCalls.await(kms.describe(n)));
        }
      }
      KeyReferences refs = sources.any() ? sources.read(props) : null;
      int overdue = 0;
      int due = 0;
      int unknown = 0;
      for (MasterKeyInfo k : keys) {
        KeyState state = KeyState.of(k, policy, clock);
        switch (state.rotation()) {
          case OVERDUE -> overdue++;
          case DUE -> due++;
          case AGE_UNKNOWN -> unknown++;
          default -> {}
        }
        printKey(state);
        keySamples(state);
        if (refs != null) {
          printVersions(k, refs);
        }
      }
      int code = overdue > 0 ? ExitCode.OVERDUE : ExitCode.OK;
      if (json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", "status");
        m.put("keys", keys.size());
        m.put("due", due);
        m.put("overdue", overdue);
        m.put("ageUnknown", unknown);
        if (refs != null) {
          m.put("sources", String.join("; ", refs.sources()));
          m.put("unchecked", String.join("; ", refs.gaps()));
        }
        m.put("exitCode", code);
        out().println(FlatJson.write(m));
      } else {
        out()
            .printf(
                "%d key(s): %d overdue, %d due, %d age unknown%n",
                keys.size(), overdue, due, unknown);
        if (refs != null) {
          out().println("references from: " + String.join("; ", refs.sources()));
          refs.gaps().forEach(g -> out().println("  not checked: " + g));
        }
      }
      return code;
    }

    private void printKey(KeyState s) {
      MasterKeyInfo k = s.key();
      if (json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", "status");
        m.put("provider", k.provider());
        m.put("name", k.name());
        m.put("currentVersion", k.currentVersion());
        m.put("versions", String.join(",", k.versions()));
        m.put("created", s.currentCreated().map(Instant::toString).orElse(null));
        m.put("ageSeconds", s.age().map(Duration::getSeconds).orElse(null));
        m.put("period", s.period().map(Quantities::format).orElse(null));
        m.put("dueAt", s.dueAt().map(Instant::toString).orElse(null));
        m.put("state", s.rotation().label());
        out().println(FlatJson.write(m));
        return;
      }
      out()
          .printf(
              "%s provider=%s current=%s versions=%s age=%s period=%s%s state=%s%n",
              k.name(),
              k.provider(),
              k.currentVersion(),
              String.join(",", k.versions()),
              s.age().map(KeyLifecycleCommands::days).orElse("unknown"),
              s.period().map(Quantities::format).orElse("none"),
              s.dueAt().map(d -> " due=" + d).orElse(""),
              s.rotation() == KeyState.Rotation.AGE_UNKNOWN
                  ? "age-unknown (the provider does not record when a version was created)"
                  : s.rotation().label());
    }

    private void keySamples(KeyState s) {
      Map<String, String> l =
          MetricSample.labels("provider", s.key().provider(), "key", s.key().name());
      s.age()
          .ifPresent(
              a ->
                  samples.add(
                      new MetricSample(
                          "pipeseal_key_age_seconds",
                          l,
                          a.getSeconds(),
                          false,
                          "Age of the master key's current version",
                          "age")));
      s.period()
          .ifPresent(
              p ->
                  samples.add(
                      new MetricSample(
                          "pipeseal_key_rotation_period_seconds",
                          l,
                          p.getSeconds(),
                          false,
                          "Rotation period of the master key",
                          "period")));
      for (KeyState.Rotation r : KeyState.Rotation.values()) {
        Map<String, String> lr = new LinkedHashMap<>(l);
        lr.put("state", r.label());
        samples.add(
            new MetricSample(
                "pipeseal_key_rotation_state",
                lr,
                s.rotation() == r ? 1 : 0,
                false,
                "1 for the master key's rotation state (no-policy, current, due, overdue,"
                    + " age-unknown)",
                "state." + r.label()));
      }
    }

    private void printVersions(MasterKeyInfo k, KeyReferences refs) {
      Set<String> versions = new TreeSet<>(refs.versions(k.provider(), k.name()));
      versions.addAll(k.versions());
      for (String v : versions) {
        KeyReferences.Usage u = refs.of(k.provider(), k.name(), v);
        boolean held = k.versions().contains(v);
        samples.add(
            new MetricSample(
                "pipeseal_key_version_references",
                MetricSample.labels("provider", k.provider(), "key", k.name(), "version", v),
                u.total(),
                false,
                "Registry records, files and cell files that reference the master key version",
                "references." + v));
        if (json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("command", "status");
          m.put("provider", k.provider());
          m.put("name", k.name());
          m.put("version", v);
          m.put("current", v.equals(k.currentVersion()));
          m.put("held", held);
          m.put("registryRecords", u.registryRecords());
          m.put("kekRecords", u.kekRecords());
          m.put("subjectKeys", u.subjectKeys());
          m.put("dataFiles", u.dataFiles());
          m.put("keyMaterialFiles", u.keyMaterialFiles());
          m.put("cellFiles", u.cellFiles());
          out().println(FlatJson.write(m));
        } else {
          out()
              .printf(
                  "  version %s%s: %s%n",
                  v,
                  v.equals(k.currentVersion())
                      ? " (current)"
                      : held ? "" : " (NOT HELD by the provider: data under it cannot be read)",
                  describe(u));
        }
      }
    }
  }

  @Command(
      name = "retire",
      description = {
        "Retire version N of master key NAME where the provider can (local key store: entry"
            + " deleted; PKCS#11: token object destroyed), only when nothing in the given sources"
            + " references it; recorded in the audit log."
      },
      footer = {
        "",
        "Give every source that may use the version: --registry, and --lake (or --inventory) per"
            + " lake.",
        "exit codes: 0 retired, 4 refused (still referenced, current version, or not fully"
            + " checked), 1 failed (e.g. the provider cannot retire versions), 64 usage error"
      })
  static final class Retire extends KeysCommand.KeysSubcommand {
    @picocli.CommandLine.Mixin Sources sources;

    @Parameters(paramLabel = "NAME")
    String name;

    // --version is the version to retire here, so the standard -V/--version is left out.
    @Option(names = "--version", paramLabel = "N", required = true, description = "The version")
    String version;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "Show this help message and exit.")
    boolean help;

    @Override
    public Integer call() {
      if (!sources.any()) {
        throw new ParameterException(
            spec.commandLine(),
            "retire needs the places that may still use the version: --registry LOC and/or --lake"
                + " PATH (or --inventory FILE)");
      }
      return super.call();
    }

    @Override
    int execute(KmsBridge kms, Map<String, String> props) {
      MasterKeyInfo info = KmsCalls.await(kms.describe(name));
      if (!info.versions().contains(version)) {
        err()
            .printf(
                "pipeseal keys: %s has no version %s (versions %s)%n",
                name, version, info.versions());
        return ExitCode.FAILED;
      }
      VersionRetirement retirement = admin(kms).capability(VersionRetirement.class).orElse(null);
      if (retirement == null) {
        String why =
            "provider '"
                + info.provider()
                + "' cannot retire single versions (docs/keys-cli.md, Retirement)";
        kms.auditAdmin(info.provider(), name, version, "retire", "refused", why);
        err().println("pipeseal keys: " + why);
        return ExitCode.FAILED;
      }
      if (version.equals(info.currentVersion())) {
        String why = "version " + version + " is the current version; rotate first";
        kms.auditAdmin(info.provider(), name, version, "retire", "refused", why);
        err().println("pipeseal keys: refused: " + name + " " + why);
        return ExitCode.IN_USE;
      }
      KeyReferences refs = sources.read(props);
      KeyReferences.Usage u = refs.of(info.provider(), name, version);
      if (u.total() > 0 || !refs.gaps().isEmpty()) {
        String why =
            u.total() > 0
                ? "still referenced: " + describe(u)
                : "not fully checked: " + refs.gaps();
        kms.auditAdmin(info.provider(), name, version, "retire", "refused", why);
        if (json()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("command", "retire");
          m.put("name", name);
          m.put("version", version);
          m.put("retired", false);
          m.put("registryRecords", u.registryRecords());
          m.put("kekRecords", u.kekRecords());
          m.put("subjectKeys", u.subjectKeys());
          m.put("dataFiles", u.dataFiles());
          m.put("keyMaterialFiles", u.keyMaterialFiles());
          m.put("cellFiles", u.cellFiles());
          m.put("unchecked", String.join("; ", refs.gaps()));
          out().println(FlatJson.write(m));
        }
        err().printf("pipeseal keys: refused to retire %s version %s: %s%n", name, version, why);
        u.examples()
            .forEach((kind, list) -> list.forEach(e -> err().println("  " + kind + ": " + e)));
        refs.gaps().forEach(g -> err().println("  not checked: " + g));
        err().println("  checked: " + String.join("; ", refs.sources()));
        return ExitCode.IN_USE;
      }
      MasterKeyInfo after;
      try {
        after = retirement.retireVersion(name, version);
      } catch (KmsException e) {
        kms.auditAdmin(
            info.provider(), name, version, "retire", e.getClass().getSimpleName(), null);
        throw e;
      }
      kms.auditAdmin(
          info.provider(), name, version, "retire", "ok", retirement.retirementMeaning());
      if (json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", "retire");
        m.put("name", name);
        m.put("version", version);
        m.put("retired", true);
        m.put("versions", String.join(",", after.versions()));
        m.put("checked", String.join("; ", refs.sources()));
        out().println(FlatJson.write(m));
      } else {
        out()
            .printf(
                "retired %s version %s (%s); versions now %s; checked: %s%n",
                name,
                version,
                retirement.retirementMeaning(),
                String.join(",", after.versions()),
                String.join("; ", refs.sources()));
      }
      return ExitCode.OK;
    }
  }

  /** {@code keys rotate --if-due}: rolls the keys (all, or {@code names}) past their period. */
  static int rotateIfDue(
      KeysCommand.KeysSubcommand cmd,
      KmsBridge kms,
      Map<String, String> props,
      List<String> names) {
    RotationPolicy policy = RotationPolicy.from(props);
    List<MasterKeyInfo> keys = new ArrayList<>();
    if (names.isEmpty()) {
      keys.addAll(KeysCommand.KeysSubcommand.admin(kms).listKeys());
    } else {
      for (String n : names) {
        keys.add(KmsCalls.await(kms.describe(n)));
      }
    }
    int rotated = 0;
    for (MasterKeyInfo k : keys) {
      KeyState s = KeyState.of(k, policy, cmd.clock);
      MasterKeyInfo now = k;
      if (s.needsRotation()) {
        now = KeysCommand.KeysSubcommand.admin(kms).rotateKey(k.name());
        kms.auditAdmin(
            k.provider(),
            k.name(),
            now.currentVersion(),
            "rotate",
            "ok",
            "rotation policy: " + s.rotation().label());
        rotated++;
      } else if (s.rotation() == KeyState.Rotation.AGE_UNKNOWN) {
        cmd.err()
            .printf(
                "pipeseal keys: %s not rotated: provider '%s' does not record when version %s was"
                    + " created%n",
                k.name(), k.provider(), k.currentVersion());
      }
      if (cmd.json()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", "rotate");
        m.put("name", k.name());
        m.put("rotated", now != k);
        m.put("previousVersion", k.currentVersion());
        m.put("currentVersion", now.currentVersion());
        m.put("state", s.rotation().label());
        cmd.out().println(FlatJson.write(m));
      } else {
        cmd.out()
            .printf(
                now != k ? "%s rotated %s -> %s (%s)%n" : "%s not rotated: version %s %s%n",
                k.name(),
                k.currentVersion(),
                now != k ? now.currentVersion() : s.rotation().label(),
                s.rotation().label());
      }
    }
    if (!cmd.json()) {
      cmd.out().printf("%d of %d key(s) rotated%n", rotated, keys.size());
    }
    return ExitCode.OK;
  }

  static String describe(KeyReferences.Usage u) {
    if (u.total() == 0) {
      return "unreferenced";
    }
    return u.registryRecords()
        + " registry record(s) ("
        + u.kekRecords()
        + " KEK-wrapped), "
        + u.subjectKeys()
        + " subject key(s), "
        + u.keyMaterialFiles()
        + " key material file(s), "
        + u.dataFiles()
        + " data file(s) with internal key material, "
        + u.cellFiles()
        + " data file(s) with cells (sampled)";
  }

  static String days(Duration d) {
    long days = d.toDays();
    return days > 0
        ? days + "d" + (d.toHoursPart() > 0 ? d.toHoursPart() + "h" : "")
        : Quantities.format(Duration.ofSeconds(d.getSeconds()));
  }
}
