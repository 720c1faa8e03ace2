package dev.pipeseal.jobs.keys;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A parsed command line; built only by {@link #parse}.
 *
 * @param command {@code create}, {@code list}, {@code describe}, {@code rotate}, {@code rewrap},
 *     {@code compact}, {@code recipient} or {@code help}
 * @param subcommand of {@code recipient}: {@code create}, {@code list}, {@code rotate} or {@code
 *     export-public}; null otherwise
 * @param keyName the NAME operand of create/describe/rotate, or the {@code --key} filter of rewrap
 * @param kmsUri provider URI ({@code --kms}, or {@code uri} in the config); null for compact
 * @param config provider and registry settings: the {@code --config} file overlaid with {@code
 *     -Dpipeseal.kms.KEY=VALUE} options, keys without the {@code pipeseal.kms.} prefix
 * @param json print JSON lines instead of text
 * @param registry registry location for rewrap
 * @param dryRun report what rewrap would do, change nothing
 * @param batchSize records per {@code rewrapAll} call
 */
record CliOptions(
    String command,
    String subcommand,
    String keyName,
    String kmsUri,
    Map<String, String> config,
    boolean json,
    String registry,
    boolean dryRun,
    int batchSize) {
  static final String PREFIX = "pipeseal.kms.";
  static final int DEFAULT_BATCH = 100;
  private static final List<String> COMMANDS =
      List.of("create", "list", "describe", "rotate", "rewrap", "compact", "recipient", "help");
  private static final List<String> RECIPIENT_COMMANDS =
      List.of("create", "list", "rotate", "export-public");

  CliOptions {
    config = Map.copyOf(config);
  }

  static CliOptions parse(String[] argv) throws UsageException {
    List<String> args = new ArrayList<>(Arrays.asList(argv));
    if (!args.isEmpty() && args.get(0).equals("keys")) {
      args.remove(0);
    }
    List<String> operands = new ArrayList<>();
    Map<String, String> overrides = new LinkedHashMap<>();
    String kms = null;
    String configFile = null;
    String registry = null;
    String keyFilter = null;
    String batch = null;
    boolean json = false;
    boolean dryRun = false;
    boolean help = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        inline = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      switch (arg) {
        case "--kms" -> kms = value(args, ++i, arg, inline, kms);
        case "--config" -> configFile = value(args, ++i, arg, inline, configFile);
        case "--registry" -> registry = value(args, ++i, arg, inline, registry);
        case "--key" -> keyFilter = value(args, ++i, arg, inline, keyFilter);
        case "--batch" -> batch = value(args, ++i, arg, inline, batch);
        case "--json" -> json = flag(arg, inline);
        case "--dry-run" -> dryRun = flag(arg, inline);
        case "--help", "-h" -> help = flag(arg, inline);
        default -> {
          if (arg.startsWith("-D")) {
            define(arg.substring(2), overrides);
          } else if (arg.startsWith("-")) {
            throw new UsageException("unknown option " + arg);
          } else {
            operands.add(arg);
          }
        }
      }
      if (inline != null && !List.of("--json", "--dry-run", "--help").contains(arg)) {
        i--; // the value was inline, not the next argument
      }
    }
    if (help || operands.isEmpty() || operands.get(0).equals("help")) {
      if (!help && operands.isEmpty()) {
        throw new UsageException("missing command");
      }
      return new CliOptions("help", null, null, null, Map.of(), json, null, false, DEFAULT_BATCH);
    }
    String command = operands.get(0);
    if (!COMMANDS.contains(command)) {
      throw new UsageException("unknown command '" + command + "'");
    }
    String subcommand = null;
    if (command.equals("recipient")) {
      if (operands.size() < 2 || !RECIPIENT_COMMANDS.contains(operands.get(1))) {
        throw new UsageException("recipient needs one of " + RECIPIENT_COMMANDS);
      }
      subcommand = operands.remove(1);
    }
    boolean needsName =
        subcommand == null
            ? List.of("create", "describe", "rotate").contains(command)
            : !subcommand.equals("list");
    int expected = needsName ? 2 : 1;
    if (operands.size() != expected) {
      throw new UsageException(
          command
              + (needsName ? " takes one key NAME" : " takes no operands")
              + ", got "
              + operands.subList(1, operands.size()));
    }
    boolean rewrap = command.equals("rewrap");
    boolean compact = command.equals("compact");
    if (!rewrap && (keyFilter != null || dryRun || batch != null)) {
      throw new UsageException("--key, --dry-run and --batch apply to rewrap only");
    }
    if (!rewrap && !compact && registry != null) {
      throw new UsageException("--registry applies to rewrap and compact only");
    }
    if ((rewrap || compact) && registry == null) {
      throw new UsageException(command + " needs --registry LOCATION");
    }
    Map<String, String> config = new LinkedHashMap<>();
    if (configFile != null) {
      config.putAll(load(Path.of(configFile)));
    }
    config.putAll(overrides);
    if (kms == null) {
      kms = config.get("uri");
    }
    if (kms == null && !compact) {
      throw new UsageException("missing --kms URI (or 'uri' in the --config file)");
    }
    int batchSize = DEFAULT_BATCH;
    if (batch != null) {
      try {
        batchSize = Integer.parseInt(batch);
      } catch (NumberFormatException e) {
        batchSize = -1;
      }
      if (batchSize < 1 || batchSize > 100_000) {
        throw new UsageException("--batch must be 1..100000, got '" + batch + "'");
      }
    }
    return new CliOptions(
        command,
        subcommand,
        needsName ? operands.get(1) : keyFilter,
        kms,
        config,
        json,
        registry,
        dryRun,
        batchSize);
  }

  private static String value(
      List<String> args, int index, String option, String inline, String previous)
      throws UsageException {
    if (previous != null) {
      throw new UsageException(option + " given twice");
    }
    if (inline != null) {
      return inline;
    }
    if (index >= args.size() || args.get(index).startsWith("--")) {
      throw new UsageException(option + " needs a value");
    }
    return args.get(index);
  }

  private static boolean flag(String option, String inline) throws UsageException {
    if (inline != null) {
      throw new UsageException(option + " takes no value");
    }
    return true;
  }

  private static void define(String definition, Map<String, String> out) throws UsageException {
    int eq = definition.indexOf('=');
    if (eq <= 0 || !definition.startsWith(PREFIX) || eq == PREFIX.length()) {
      throw new UsageException(
          "-D options must look like -D" + PREFIX + "KEY=VALUE, got -D" + redact(definition));
    }
    out.put(definition.substring(PREFIX.length(), eq), definition.substring(eq + 1));
  }

  /** Options may carry secrets by mistake; echo only the key. */
  private static String redact(String definition) {
    int eq = definition.indexOf('=');
    return eq < 0 ? definition : definition.substring(0, eq) + "=...";
  }

  private static Map<String, String> load(Path file) throws UsageException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new UsageException(
          "cannot read --config " + file + ": " + e.getClass().getSimpleName());
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String key : p.stringPropertyNames()) {
      out.put(key.startsWith(PREFIX) ? key.substring(PREFIX.length()) : key, p.getProperty(key));
    }
    return out;
  }
}
