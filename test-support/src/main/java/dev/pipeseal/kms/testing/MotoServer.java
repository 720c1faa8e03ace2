package dev.pipeseal.kms.testing;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A {@code moto_server} (the moto AWS emulator) child process bound to a free loopback port, for
 * tests of the AWS KMS provider. State lives in the process: a restart starts empty.
 *
 * <p>Missing {@code moto_server}: under CI (environment variable {@code CI} set) {@link
 * #startIfInstalled} throws, so a CI run never passes by skipping; elsewhere it returns empty and
 * the caller skips with {@link #MISSING}.
 */
public final class MotoServer implements AutoCloseable {
  /** Why AWS KMS tests are skipped on a machine without moto. */
  public static final String MISSING =
      "moto_server not found on PATH (or $MOTO_SERVER): install moto 5.x with "
          + "pip install 'moto[server]'; AWS KMS tests need it and fail under CI without it";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path executable;
  private final Path log;
  private final int port;
  private Process process;

  private MotoServer(Path executable, Path log, int port) {
    this.executable = executable;
    this.log = log;
    this.port = port;
  }

  /**
   * Starts moto on a free loopback port.
   *
   * @throws IllegalStateException if moto is not installed and {@code CI} is set
   */
  public static Optional<MotoServer> startIfInstalled(Path workDir) throws IOException {
    Optional<Path> exe = locate();
    if (exe.isEmpty()) {
      if (System.getenv("CI") != null) {
        throw new IllegalStateException(MISSING);
      }
      return Optional.empty();
    }
    MotoServer server = new MotoServer(exe.get(), workDir.resolve("moto.log"), freePort());
    server.start();
    return Optional.of(server);
  }

  /** Where {@code moto_server} is: {@code $MOTO_SERVER}, else the first match on {@code PATH}. */
  public static Optional<Path> locate() {
    String explicit = System.getenv("MOTO_SERVER");
    if (explicit != null && Files.isExecutable(Path.of(explicit))) {
      return Optional.of(Path.of(explicit));
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "moto_server");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The endpoint to give the AWS client, {@code http://127.0.0.1:PORT}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The emulator's output, for failure messages. */
  public Path log() {
    return log;
  }

  /** Starts the process (again, after {@link #kill}) on the same port, with empty state. */
  public synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      return;
    }
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(executable.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port)))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = pb.start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("moto_server exited at start; log: " + log);
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      } catch (IOException notYet) {
        sleep(100);
        continue;
      }
      try {
        warmUp();
        return;
      } catch (IOException notYet) {
        sleep(100);
      }
    }
    kill();
    throw new IOException("moto_server not listening after " + START_TIMEOUT + "; log: " + log);
  }

  // moto loads a service's backend on its first request, which takes seconds on a busy machine;
  // one unsigned ListKeys (moto does not check signatures) keeps that out of the tests' timeouts.
  private void warmUp() throws IOException {
    HttpURLConnection c = (HttpURLConnection) endpoint().toURL().openConnection();
    try {
      c.setConnectTimeout(5_000);
      c.setReadTimeout((int) START_TIMEOUT.toMillis());
      c.setRequestMethod("POST");
      c.setDoOutput(true);
      c.setRequestProperty("Content-Type", "application/x-amz-json-1.1");
      c.setRequestProperty("X-Amz-Target", "TrentService.ListKeys");
      c.setRequestProperty(
          "Authorization",
          "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/kms/aws4_request,"
              + " SignedHeaders=host, Signature=0");
      try (OutputStream out = c.getOutputStream()) {
        out.write("{}".getBytes(StandardCharsets.UTF_8));
      }
      if (c.getResponseCode() != 200) {
        throw new IOException("moto answered ListKeys with HTTP " + c.getResponseCode());
      }
      c.getInputStream().readAllBytes();
    } finally {
      c.disconnect();
    }
  }

  /** Kills the process at once, as a crash would. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Freezes the process (SIGSTOP): connections are accepted by the kernel, never answered. */
  public synchronized void pause() throws IOException {
    signal("-STOP");
  }

  /** Undoes {@link #pause}. */
  public synchronized void resume() throws IOException {
    signal("-CONT");
  }

  @Override
  public void close() {
    try {
      resume();
    } catch (IOException | RuntimeException ignored) {
      // Already gone.
    }
    kill();
  }

  private void signal(String signal) throws IOException {
    if (process == null || !process.isAlive()) {
      return;
    }
    Process kill =
        new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start();
    try {
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IOException("kill " + signal + " " + process.pid() + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
