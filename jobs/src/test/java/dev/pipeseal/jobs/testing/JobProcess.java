package dev.pipeseal.jobs.testing;

import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.jobs.run.FaultInjection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code pipeseal ARGS} in a JVM of its own, as a second operator's job would run: it may hold at a
 * named step until a gate file exists (so a test can start a rival while it is mid-run, with no
 * sleeping), or die there the way {@code kill -9} would ({@link Runtime#halt}: no finally block, no
 * shutdown hook).
 */
public final class JobProcess {
  /** Exit code of a JVM halted at its step. */
  public static final int KILLED = 137;

  /** Printed (one line, on stdout) when the JVM reaches its step and waits for the gate. */
  public static final String HOLDING = "JOBPROCESS-HOLDING";

  private final Process process;
  private final CompletableFuture<String> output;
  private final CompletableFuture<Process> exit;

  private JobProcess(Process process) {
    this.process = process;
    this.exit = process.onExit();
    InputStream in = process.getInputStream();
    this.output =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toString(StandardCharsets.UTF_8);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  /** Runs {@code pipeseal args} to the end. */
  public static JobProcess start(String... args) throws IOException {
    return start("none", "-", 0, null, args);
  }

  /** Holds at the {@code nth} {@code point} until {@code gate} exists. */
  public static JobProcess holding(String point, int nth, Path gate, String... args)
      throws IOException {
    return start("hold", point, nth, gate, args);
  }

  /** Halts at the {@code nth} {@code point}. */
  public static JobProcess killedAt(String point, int nth, String... args) throws IOException {
    return start("halt", point, nth, null, args);
  }

  private static JobProcess start(String mode, String point, int nth, Path gate, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("--add-exports")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(JobProcess.class.getName());
    cmd.add(mode);
    cmd.add(point);
    cmd.add(Integer.toString(nth));
    cmd.add(gate == null ? "-" : gate.toString());
    cmd.addAll(Arrays.asList(args));
    return new JobProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
  }

  public long pid() {
    return process.pid();
  }

  /** Completes when the child ends (one future per child: each {@code Process.onExit} is new). */
  public CompletableFuture<Process> onExit() {
    return exit;
  }

  public boolean hasEnded() {
    return !process.isAlive();
  }

  /** Waits for the end (bounded, so a hung child fails the test instead of hanging it). */
  public int waitFor() throws InterruptedException {
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("child job did not finish: " + output());
    }
    return process.exitValue();
  }

  /** Everything the child wrote (stdout and stderr), once it has ended. */
  public String output() {
    return output.join();
  }

  public void kill() {
    process.destroyForcibly();
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String point = args[1];
    int nth = Integer.parseInt(args[2]);
    Path gate = args[3].equals("-") ? null : Path.of(args[3]);
    AtomicInteger seen = new AtomicInteger();
    FaultInjection.install(
        (p, file) -> {
          if (!p.equals(point) || seen.incrementAndGet() != nth) {
            return;
          }
          if (mode.equals("halt")) {
            Runtime.getRuntime().halt(KILLED);
          }
          if (mode.equals("hold")) {
            System.out.println(HOLDING + " " + file);
            System.out.flush();
            try {
              while (!Files.exists(gate)) {
                Thread.sleep(20);
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    int code = PipesealCli.run(Arrays.copyOfRange(args, 4, args.length), System.out, System.err);
    System.out.flush();
    System.exit(code);
  }
}
