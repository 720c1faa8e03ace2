package dev.pipeseal.jobs.demo;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.registry.RegistryException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code pipeseal demo}: runs {@link DemoJob} on its own local key store. It takes no KMS options:
 * the point is a first run that needs nothing but a JDK.
 */
@Command(
    name = "demo",
    description = {
      "Encrypted lake of synthetic training data on local Spark: write, rotate, verify, tamper"
          + " checks. Keeps its key store, registry, audit log and lake in DIR."
    })
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      defaultValue = "pipeseal-demo",
      description = "Where the demo keeps everything (default ${DEFAULT-VALUE})")
  Path dir;

  @Option(
      names = "--rows",
      paramLabel = "N",
      defaultValue = "2000",
      description = "Synthetic records, at least 10 (default ${DEFAULT-VALUE})")
  int rows;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "42",
      description = "Seed of the synthetic data (default ${DEFAULT-VALUE})")
  long seed;

  @Override
  public Integer call() {
    DemoJob.Options options;
    try {
      options = new DemoJob.Options(dir.toAbsolutePath(), rows, seed);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      new DemoJob().run(options, out);
      return ExitCode.OK;
    } catch (KmsException | RegistryException | PipesealCryptoException | IOException e) {
      err.println("pipeseal demo: failed: " + e.getMessage());
      return ExitCode.FAILED;
    } catch (UncheckedIOException | IllegalStateException e) {
      err.println("pipeseal demo: verification failed: " + e.getMessage());
      return ExitCode.FAILED;
    } finally {
      out.flush();
      err.flush();
    }
  }
}
