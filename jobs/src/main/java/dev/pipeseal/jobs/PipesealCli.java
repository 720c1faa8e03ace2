package dev.pipeseal.jobs;

import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.jobs.demo.DemoCommand;
import dev.pipeseal.jobs.keys.KeysCommand;
import dev.pipeseal.jobs.shred.ShredCommand;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code pipeseal COMMAND ...}: the one entry point, as {@code bin/pipeseal} on embedded defaults
 * or {@code spark-submit --class dev.pipeseal.jobs.PipesealCli pipeseal-jobs.jar COMMAND}. Parsing,
 * help and shell completion are picocli's; exit codes are {@link ExitCode}'s (a usage error is 64,
 * not picocli's 2, which means "partly done" here).
 */
@Command(
    name = "pipeseal",
    synopsisHeading = "usage: ",
    customSynopsis = "pipeseal COMMAND [OPTIONS]",
    mixinStandardHelpOptions = true,
    versionProvider = PipesealCli.Version.class,
    description = "Encryption for big-data pipelines: lake jobs and key administration.",
    footer = {
      "",
      "Every command takes --help; options are --x=v or --x v.",
      "exit codes: 0 done, 1 failed, 2 partly done (the report lists what failed), 64 usage error"
    },
    subcommands = {
      DemoCommand.class,
      JobCommand.Inventory.class,
      JobCommand.Rotate.class,
      JobCommand.Reencrypt.class,
      JobCommand.Verify.class,
      KeysCommand.class,
      ShredCommand.class,
      HelpCommand.class
    })
public final class PipesealCli implements Callable<Integer> {
  @Spec CommandSpec spec;

  private PipesealCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command; never calls {@code System.exit}. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    PrintWriter o = writer(out);
    PrintWriter e = writer(err);
    try {
      return commandLine(o, e).execute(args);
    } finally {
      o.flush();
      e.flush();
    }
  }

  /** The whole command tree, writing to {@code out} and {@code err}; not yet run. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new PipesealCli());
    CommandLine completion = new CommandLine(new AutoComplete.GenerateCompletion());
    completion.getCommandSpec().name("completion");
    completion
        .getCommandSpec()
        .usageMessage()
        .hidden(false)
        .description("Print the bash/zsh completion script: source <(pipeseal completion)");
    cli.addSubcommand(completion);
    // Arguments starting with '@' are paths, not picocli argument files: --config is the one
    // way to read settings from a file.
    cli.setExpandAtFiles(false);
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(PipesealCli::usageError);
    cli.setExecutionExceptionHandler(
        (ex, command, parseResult) -> {
          // Our exceptions never carry key material or data, so the message is safe to show;
          // the stack trace is not printed.
          command.getErr().println(prefix(command) + ex);
          return ExitCode.FAILED;
        });
    conventions(cli);
    return cli;
  }

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing command");
  }

  private static int usageError(ParameterException ex, String[] args) {
    CommandLine command = ex.getCommandLine();
    PrintWriter err = command.getErr();
    String message = ex.getMessage();
    if (ex instanceof UnmatchedArgumentException u
        && !command.getSubcommands().isEmpty()
        && !u.getUnmatched().isEmpty()
        && !u.getUnmatched().get(0).startsWith("-")) {
      message = "unknown command '" + u.getUnmatched().get(0) + "'";
    }
    err.println(prefix(command) + message);
    UnmatchedArgumentException.printSuggestions(ex, err);
    command.usage(err);
    return ExitCode.USAGE;
  }

  private static String prefix(CommandLine command) {
    return command.getCommandSpec().qualifiedName() + ": ";
  }

  /**
   * On every command: {@code --help} (and {@code --version}), and the lowercase "usage: " the usage
   * lines in scripts and docs quote.
   */
  private static void conventions(CommandLine command) {
    CommandSpec spec = command.getCommandSpec();
    // A command whose own --version means something else (keys retire) declares its --help itself.
    if (!spec.mixins().containsKey("mixinStandardHelpOptions")
        && spec.findOption("--help") == null) {
      spec.mixinStandardHelpOptions(true);
    }
    spec.usageMessage().synopsisHeading("usage: ");
    command.getSubcommands().values().forEach(PipesealCli::conventions);
  }

  private static PrintWriter writer(PrintStream stream) {
    return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
  }

  /** The jobs jar's version, from its manifest when packaged. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = PipesealCli.class.getPackage().getImplementationVersion();
      return new String[] {
        "pipeseal " + (v == null ? "(development build)" : v),
        "AES-GCM backend: " + dev.pipeseal.crypto.aead.CallerNonceGcm.backend()
      };
    }
  }
}
