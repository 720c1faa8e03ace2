package dev.pipeseal.jobs;

import dev.pipeseal.jobs.demo.DemoJob;
import dev.pipeseal.jobs.keys.KeysCli;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code pipeseal COMMAND ...}: the one entry point, as {@code bin/pipeseal} on embedded defaults
 * or {@code spark-submit --class dev.pipeseal.jobs.PipesealCli pipeseal-jobs.jar COMMAND}. Exit
 * codes: 0 done, 1 failed, 2 partly done, 64 usage error.
 */
public final class PipesealCli {
  static final String USAGE =
      """
      usage: pipeseal COMMAND [OPTIONS]
        demo [--dir DIR] [--rows N] [--seed S]   encrypted lake on local Spark, rotate, verify
        inventory PATH                           what every file of a lake is (no key needed)
        rotate [PATH] [--registry LOC]           rewrap keys to current master-key versions
        reencrypt PATH --conf pipeseal.parquet...   rewrite under new keys; encrypt plaintext
        verify PATH                              prove every file decrypts
        keys ...                                 master keys and registry (pipeseal keys help)
        help                                     this text
      """;

  private PipesealCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command; never calls {@code System.exit}. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.print(USAGE);
      return 64;
    }
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    return switch (args[0]) {
      case "demo" -> DemoJob.run(rest, out, err);
      case "inventory", "rotate", "reencrypt", "verify" -> JobCommand.run(args[0], rest, out, err);
      case "keys" -> new KeysCli().run(rest.toArray(String[]::new), out, err);
      case "help", "--help", "-h" -> {
        out.print(USAGE);
        yield 0;
      }
      default -> {
        err.println("pipeseal: unknown command '" + args[0] + "'");
        err.print(USAGE);
        yield 64;
      }
    };
  }
}
