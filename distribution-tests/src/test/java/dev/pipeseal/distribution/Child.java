package dev.pipeseal.distribution;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A child process with its output in a file (kept for failure analysis), and its exit code. */
record Child(int exitCode, String output, Path log) {
  /** Generous: the build machine may be shared by many builds. */
  static final long TIMEOUT_MINUTES = 8;

  static Path java() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  /** JVM options as the tests' own (the opens spark-submit passes on JDK 17). */
  static List<String> jvmOptions() {
    List<String> opts = new ArrayList<>();
    opts.add("-Xmx1g");
    String extra = System.getProperty("child.jvm.args", "").trim();
    if (!extra.isEmpty()) {
      opts.addAll(Arrays.asList(extra.split("\\s+")));
    }
    return opts;
  }

  static Child run(List<String> command, Path workDir, Map<String, String> env, Path log)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("timed out: " + command.get(0) + "; log " + log);
    }
    return new Child(p.exitValue(), Files.readString(log), log);
  }

  /** The output's lines that start with {@code prefix}, for assertion messages and checks. */
  String lineStartingWith(String prefix) {
    return output.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
  }

  @Override
  public String toString() {
    return "exit " + exitCode + ", log " + log;
  }
}
