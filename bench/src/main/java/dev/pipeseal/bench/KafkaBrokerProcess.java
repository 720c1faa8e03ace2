package dev.pipeseal.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * A single KRaft broker in its own JVM, as deployments run it: the bench's client CPU then measures
 * the client alone, not the broker's request handlers sharing the client's JVM. The child prints
 * {@code BOOTSTRAP <servers>} once ready and stops when its standard input closes (so it never
 * outlives the bench).
 */
final class KafkaBrokerProcess implements AutoCloseable {
  private static final String READY = "BOOTSTRAP ";

  private final Process process;
  private final String bootstrap;

  private KafkaBrokerProcess(Process process, String bootstrap) {
    this.process = process;
    this.bootstrap = bootstrap;
  }

  /** Starts a child JVM with this JVM's class path and waits until its broker is ready. */
  static KafkaBrokerProcess start() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-Xms1g");
    cmd.add("-Xmx1g");
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    String log4j = System.getProperty("log4j2.configurationFile");
    if (log4j != null) {
      cmd.add("-Dlog4j2.configurationFile=" + log4j);
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(KafkaBrokerProcess.class.getName());
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(READY)) {
        return new KafkaBrokerProcess(p, line.substring(READY.length()).trim());
      }
    }
    p.destroyForcibly();
    throw new IOException("the broker process exited before it was ready: " + p.exitValue());
  }

  String bootstrapServers() {
    return bootstrap;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() throws IOException {
    try (OutputStream in = process.getOutputStream()) {
      // Closing stdin asks the child to stop.
    }
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** The child: starts the broker, says where it is, waits for stdin to close. */
  public static void main(String[] args) throws Exception {
    try (KafkaClusterTestKit cluster = KafkaBench.startBroker()) {
      System.out.println(READY + cluster.bootstrapServers());
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for EOF
      }
    }
    System.exit(0);
  }
}
