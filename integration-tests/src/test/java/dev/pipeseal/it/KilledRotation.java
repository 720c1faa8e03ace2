package dev.pipeseal.it;

import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.jobs.run.FaultInjection;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A job JVM that dies at the n-th time it reaches a named step, the way {@code kill -9} would:
 * {@link Runtime#halt} runs no shutdown hook, finally block or flush.
 */
final class KilledRotation {
  static final int EXIT = 137;

  private KilledRotation() {}

  /** Starts {@code pipeseal ARGS} in a new JVM that halts at the {@code nth} {@code point}. */
  static Process start(String point, int nth, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(KilledRotation.class.getName());
    cmd.add(point);
    cmd.add(Integer.toString(nth));
    cmd.addAll(Arrays.asList(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  public static void main(String[] args) {
    String point = args[0];
    int nth = Integer.parseInt(args[1]);
    AtomicInteger seen = new AtomicInteger();
    FaultInjection.install(
        (p, file) -> {
          if (p.equals(point) && seen.incrementAndGet() == nth) {
            Runtime.getRuntime().halt(EXIT);
          }
        });
    int code = PipesealCli.run(Arrays.copyOfRange(args, 2, args.length), System.out, System.err);
    // Reaching the end means the step never came: a different exit code fails the test.
    System.exit(code == 0 ? 3 : code);
  }
}
