package dev.pipeseal.kms.testing;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One run of the KMS child JVM: launched with the classpath recorded by the test-kms-server module,
 * ready once it prints its URL, stopped by closing its stdin.
 */
final class ServerProcess {
  private static final String CLASSPATH_RESOURCE = "/dev/pipeseal/testkms/server-classpath.txt";
  private static final String MAIN_CLASS = "dev.pipeseal.testkms.KmsServerMain";
  private static final String READY_PREFIX = "PIPESEAL-KMS-READY ";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Process process;
  private final URL url;

  private ServerProcess(Process process, URL url) {
    this.process = process;
    this.url = url;
  }

  /** Starts the server on {@code confDir} and waits until it is ready. */
  static ServerProcess start(Path workDir, Path confDir, Path logFile, String keyStorePassword)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Without it the KMS hangs at start on JDK 17.
    cmd.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
    // A small, quickly started JVM: the test server does little work.
    cmd.add("-Xmx256m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Djava.net.preferIPv4Stack=true");
    cmd.add("-cp");
    cmd.add(serverClasspath());
    cmd.add(MAIN_CLASS);
    cmd.add(confDir.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
    // Password of the KMS's own JavaKeyStoreProvider file, where the master keys live.
    pb.environment().put("HADOOP_KEYSTORE_PASSWORD", keyStorePassword);
    pb.redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    Process p = pb.start();
    try {
      return new ServerProcess(p, awaitReady(p, logFile));
    } catch (IOException | RuntimeException e) {
      stop(p);
      throw e;
    }
  }

  URL url() {
    return url;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Closes stdin (the server stops cleanly), then kills it if it lingers. */
  void stop() {
    stop(process);
  }

  private static void stop(Process p) {
    try {
      p.getOutputStream().close();
    } catch (IOException ignored) {
      // Already gone.
    }
    try {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static URL awaitReady(Process p, Path logFile) throws IOException {
    CompletableFuture<String> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> pumpStdout(p.getInputStream(), logFile, ready), "kms-stdout");
    reader.setDaemon(true);
    reader.start();
    try {
      return new URL(ready.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    } catch (TimeoutException e) {
      throw new IOException("KMS not ready after " + START_TIMEOUT + "; log: " + logFile, e);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage() + "; log: " + logFile, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting KMS", e);
    }
  }

  // Finds the ready line, then keeps draining stdout into the log so the child never blocks.
  private static void pumpStdout(InputStream in, Path logFile, CompletableFuture<String> ready) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        Writer log =
            Files.newBufferedWriter(
                logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (!ready.isDone() && line.startsWith(READY_PREFIX)) {
          ready.complete(line.substring(READY_PREFIX.length()).trim());
        } else {
          log.write(line);
          log.write('\n');
          log.flush();
        }
      }
    } catch (IOException e) {
      ready.completeExceptionally(e);
    }
    ready.completeExceptionally(new IOException("KMS exited before it was ready"));
  }

  private static String serverClasspath() throws IOException {
    URL resource = ServerProcess.class.getResource(CLASSPATH_RESOURCE);
    if (resource == null) {
      throw new IOException(
          CLASSPATH_RESOURCE + " not found: add pipeseal-test-kms-server as a test dependency");
    }
    String deps;
    try (InputStream in = resource.openStream()) {
      deps = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    // The server main class sits next to the resource: in the module's jar or target/classes.
    String spec = resource.toString();
    Path root;
    if (spec.startsWith("jar:")) {
      root = Path.of(URI.create(spec.substring(4, spec.indexOf("!/"))));
    } else {
      Path file = Path.of(URI.create(spec));
      int depth = CLASSPATH_RESOURCE.split("/").length - 1;
      root = file;
      for (int i = 0; i < depth; i++) {
        root = root.getParent();
      }
    }
    return root + File.pathSeparator + deps;
  }
}
