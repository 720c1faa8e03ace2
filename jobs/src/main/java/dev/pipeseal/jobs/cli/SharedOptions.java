package dev.pipeseal.jobs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The options every command that talks to a KMS takes, mixed in under the name {@value #NAME}. The
 * settings are plain properties ({@code pipeseal.kms.*}, {@code pipeseal.registry.*}, {@code
 * pipeseal.parquet.*}, {@code parquet.*}, Hadoop), handed as a map to the libraries' own config
 * parsers, so the CLI never duplicates their names or defaults.
 *
 * <p>A command group (such as {@code keys}) may carry these options too; {@link #properties} layers
 * the group's settings under the subcommand's, so {@code keys --kms URI rotate pii} and {@code keys
 * rotate pii --kms URI} mean the same.
 */
public final class SharedOptions {
  /** The mixin name, to find the instances of parent commands. */
  public static final String NAME = "shared";

  /** Property naming the provider URI; {@code --kms} sets it. */
  public static final String KMS_URI = "pipeseal.kms.uri";

  /**
   * The key registry location for commands and tasks that read it without a {@code --registry}
   * option ({@code shred}; {@code verify} and {@code inventory} tasks counting erased cells).
   */
  public static final String REGISTRY_LOCATION = "pipeseal.registry.location";

  private static final String KMS_PREFIX = "pipeseal.kms.";

  @Spec(Spec.Target.MIXEE)
  private CommandSpec mixee;

  @Option(
      names = "--kms",
      paramLabel = "URI",
      description = "KMS provider URI (property " + KMS_URI + "); wins over --conf and --config")
  private String kms;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      description =
          "One property, e.g. pipeseal.kms.provider.password=file:/path (repeatable; wins over"
              + " --config)")
  private List<String> conf = new ArrayList<>();

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Properties file: pipeseal.kms.*, pipeseal.registry.*, pipeseal.parquet.*, parquet.*,"
              + " Hadoop settings")
  private Path config;

  // The keys CLI's former spelling of provider settings; still read, with a warning.
  @Option(names = "-D", hidden = true, paramLabel = "pipeseal.kms.KEY=VALUE")
  private List<String> defines = new ArrayList<>();

  @Option(names = "--json", description = "Print JSON instead of text")
  private boolean json;

  /** {@code --json} on this command or on a parent command group. */
  public boolean json(CommandSpec command) {
    for (SharedOptions o : layers(command)) {
      if (o.json) {
        return true;
      }
    }
    return false;
  }

  /**
   * The settings of {@code command}: for each layer from the outermost command group in, the {@code
   * --config} file, then deprecated {@code -D} options, then {@code --conf}, then {@code --kms};
   * later ones win.
   *
   * @throws ParameterException (a usage error) on an unreadable {@code --config} file or a
   *     malformed {@code --conf}
   */
  public Map<String, String> properties(CommandSpec command) {
    Map<String, String> props = new LinkedHashMap<>();
    for (SharedOptions o : layers(command)) {
      o.addTo(props);
    }
    return props;
  }

  /** The {@code pipeseal.kms.*} entries of {@code properties}: what the KMS bridge parses. */
  public static Map<String, String> kmsProperties(Map<String, String> properties) {
    Map<String, String> m = new LinkedHashMap<>();
    properties.forEach(
        (k, v) -> {
          if (k.startsWith(KMS_PREFIX)) {
            m.put(k, v);
          }
        });
    return m;
  }

  /**
   * The registry options of {@code properties}: {@code pipeseal.registry.X} as {@code registry.X},
   * the names the registry's config parser reads (as Spark's {@code spark.pipeseal.registry.X}).
   */
  public static Map<String, String> registryProperties(Map<String, String> properties) {
    Map<String, String> m = new LinkedHashMap<>();
    properties.forEach(
        (k, v) -> {
          if (k.startsWith("pipeseal.registry.") && !k.equals(REGISTRY_LOCATION)) {
            m.put(k.substring("pipeseal.".length()), v);
          }
        });
    return m;
  }

  private List<SharedOptions> layers(CommandSpec command) {
    List<SharedOptions> outerFirst = new ArrayList<>();
    for (CommandSpec c = command; c != null; c = c.parent()) {
      CommandSpec mixin = c.mixins().get(NAME);
      if (mixin != null && mixin.userObject() instanceof SharedOptions o) {
        outerFirst.add(0, o);
      }
    }
    if (outerFirst.isEmpty()) {
      outerFirst.add(this);
    }
    return outerFirst;
  }

  private void addTo(Map<String, String> props) {
    if (config != null) {
      props.putAll(load(config));
    }
    for (String d : defines) {
      define(d, props);
    }
    for (String kv : conf) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        // The argument may be a secret typed in the wrong place: not echoed.
        throw usage(
            "--conf needs KEY=VALUE, got an argument "
                + (eq == 0 ? "without a KEY" : "without '='"));
      }
      props.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    if (kms != null) {
      props.put(KMS_URI, kms);
    }
  }

  /**
   * {@code -Dpipeseal.kms.KEY=VALUE}, the old {@code keys} spelling: KEY was a provider setting
   * (now {@code pipeseal.kms.provider.KEY}), {@code uri}, or a registry option.
   */
  private void define(String definition, Map<String, String> props) {
    int eq = definition.indexOf('=');
    if (eq <= 0 || !definition.startsWith(KMS_PREFIX) || eq == KMS_PREFIX.length()) {
      throw usage(
          "-D options must look like -D" + KMS_PREFIX + "KEY=VALUE, got -D" + redact(definition));
    }
    String key = definition.substring(KMS_PREFIX.length(), eq);
    String name;
    if (key.equals("uri") || key.startsWith("provider.")) {
      name = KMS_PREFIX + key;
    } else if (key.startsWith("registry.")) {
      name = "pipeseal." + key;
    } else {
      name = KMS_PREFIX + "provider." + key;
    }
    PrintWriter err = mixee.commandLine().getErr();
    err.println(
        "pipeseal: -D"
            + KMS_PREFIX
            + key
            + " is deprecated and will be removed: use --conf "
            + name
            + "=...");
    props.put(name, definition.substring(eq + 1));
  }

  private ParameterException usage(String message) {
    return new ParameterException(mixee.commandLine(), message);
  }

  /** Options may carry secrets by mistake; echo only the key. */
  private static String redact(String definition) {
    int eq = definition.indexOf('=');
    return eq < 0 ? "..." : definition.substring(0, eq) + "=...";
  }

  private Map<String, String> load(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw usage("cannot read --config " + file + ": " + e.getClass().getSimpleName());
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String key : p.stringPropertyNames()) {
      out.put(key, p.getProperty(key));
    }
    return out;
  }
}
