package dev.pipeseal.kms.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Hadoop KMS server in a child JVM, for tests.
 *
 * <p>The server's classpath comes from {@code server-classpath.txt} in the {@code
 * pipeseal-test-kms-server} jar (written at that module's build); the conf directory (kms-site.xml,
 * kms-acls.xml, ssl-server.xml, log4j.properties) and, for HTTPS, a self-signed certificate and a
 * client trust store are generated here. Master keys live in the server's JavaKeyStoreProvider file
 * in the work directory, so they survive {@link #restart()}, which keeps the port.
 *
 * <pre>{@code
 * try (HadoopKmsServer kms = HadoopKmsServer.builder().https(true).start()) {
 *   kms.createKey("pii");
 *   Kms client = new HadoopKmsService().create(kms.uri(), kms.clientConfig());
 * }
 * }</pre>
 *
 * <p>Keys are created over the KMS REST API with the JDK's HTTP client, so this class needs no
 * Hadoop jar either. The server log is {@link #logFile()}; set {@link Builder#workDir} to keep it
 * after {@link #close()}.
 */
public final class HadoopKmsServer implements AutoCloseable {
  /** The KMS operations a key ACL can name ({@code key.acl.<key>.<op>} in kms-acls.xml). */
  public enum KeyOp {
    MANAGEMENT,
    GENERATE_EEK,
    DECRYPT_EEK,
    READ
  }

  private static final String CLASSPATH_RESOURCE = "/dev/pipeseal/testkms/server-classpath.txt";
  private static final String MAIN_CLASS = "dev.pipeseal.testkms.KmsServerMain";
  private static final String READY_PREFIX = "PIPESEAL-KMS-READY ";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Pattern VERSION_NAME =
      Pattern.compile("\"versionName\"\\s*:\\s*\"([^\"]+)\"");

  private final String host;
  private final boolean https;
  private final Path workDir;
  private final boolean ownsWorkDir;
  private final Path confDir;
  private final Path backingKeyStore;
  private final String backingKeyStorePassword;
  private final Path logFile;
  private final Tls tls;
  private final HttpClient http;
  private final String adminUser = System.getProperty("user.name", "pipeseal");

  private int port;
  private Process process;

  private HadoopKmsServer(Builder b) throws IOException {
    this.host = b.host;
    this.https = b.https;
    this.ownsWorkDir = b.workDir == null;
    this.workDir = b.workDir != null ? b.workDir : Files.createTempDirectory("pipeseal-kms-");
    this.confDir = Files.createDirectories(workDir.resolve("conf"));
    this.backingKeyStore = workDir.resolve("kms.keystore");
    this.logFile = workDir.resolve("kms.log");
    this.port = b.port;
    if (b.keysFrom != null) {
      // A second server for failover tests: same master keys as of now, same password.
      Files.copy(b.keysFrom.backingKeyStore, backingKeyStore, StandardCopyOption.REPLACE_EXISTING);
      this.backingKeyStorePassword = b.keysFrom.backingKeyStorePassword;
    } else {
      this.backingKeyStorePassword = randomPassword();
    }
    this.tls =
        !https ? null : b.keysFrom != null && b.keysFrom.tls != null ? b.keysFrom.tls : newTls();
    writeConf(b.keyAcls);
    HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
    if (tls != null) {
      hb.sslContext(tls.clientContext());
    }
    this.http = hb.build();
  }

  /** A new builder: HTTP on 127.0.0.1, any free port, every ACL open. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts an HTTP server with default settings. */
  public static HadoopKmsServer startHttp() {
    return builder().start();
  }

  /** The client URI, e.g. {@code kms://http@127.0.0.1:9600/kms}. */
  public URI uri() {
    return URI.create("kms://" + scheme() + "@" + host + ":" + port + "/kms");
  }

  /** The REST base URL, e.g. {@code http://127.0.0.1:9600/kms}. */
  public String restUrl() {
    return scheme() + "://" + host + ":" + port + "/kms";
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public boolean isHttps() {
    return https;
  }

  /**
   * Provider configuration for this server (for HTTPS: {@code truststore.path}, {@code
   * truststore.password} as a {@code file:} reference, {@code truststore.type}); empty for HTTP.
   */
  public Map<String, String> clientConfig() {
    Map<String, String> config = new LinkedHashMap<>();
    if (tls != null) {
      config.put("truststore.path", tls.trustStore.toString());
      config.put("truststore.password", "file:" + tls.trustStorePasswordFile);
      config.put("truststore.type", "JKS");
    }
    return config;
  }

  /** The client trust store (HTTPS only), holding the server's self-signed certificate. */
  public Path trustStore() {
    if (tls == null) {
      throw new IllegalStateException("HTTP server has no trust store");
    }
    return tls.trustStore;
  }

  /** Server stdout and stderr, appended across restarts. */
  public Path logFile() {
    return logFile;
  }

  public Path confDir() {
    return confDir;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Starts the child JVM and waits until it serves requests. */
  public synchronized HadoopKmsServer start() {
    if (isRunning()) {
      return this;
    }
    try {
      writeKmsSite();
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      // Without it the KMS hangs at start on JDK 17.
      cmd.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
      cmd.add("-Xmx256m");
      cmd.add("-XX:+UseSerialGC");
      cmd.add("-XX:TieredStopAtLevel=1");
      cmd.add("-Djava.net.preferIPv4Stack=true");
      cmd.add("-cp");
      cmd.add(serverClasspath());
      cmd.add(MAIN_CLASS);
      cmd.add(confDir.toString());
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
      pb.environment().put("HADOOP_KEYSTORE_PASSWORD", backingKeyStorePassword);
      pb.redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      Process p = pb.start();
      this.process = p;
      String url = awaitReady(p);
      this.port = new URL(url).getPort();
      return this;
    } catch (IOException e) {
      stop();
      throw new UncheckedIOException("could not start Hadoop KMS; log: " + logFile, e);
    }
  }

  /** Stops the server: closes its stdin (clean stop), then kills it if it lingers. Idempotent. */
  public synchronized void stop() {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
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

  /** Stops and starts again on the same port with the same backing key store and ACLs. */
  public synchronized HadoopKmsServer restart() {
    stop();
    return start();
  }

  /** Stops the server and deletes the work directory unless the builder was given one. */
  @Override
  public void close() {
    stop();
    if (ownsWorkDir) {
      deleteTree(workDir);
    }
  }

  private static void deleteTree(Path root) {
    try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // Best effort: it is a temporary directory.
    }
  }

  /** Creates an AES-256 master key ({@code AES/CTR/NoPadding}, as Hadoop EEKs need). */
  public void createKey(String name) {
    String body =
        "{\"name\":\"" + json(name) + "\",\"cipher\":\"AES/CTR/NoPadding\",\"length\":256}";
    // The response holds the key material: it is checked for status only, never kept or shown.
    post("/v1/keys", body, 201);
  }

  /** Rolls {@code name} to a new version and returns the new version name, e.g. {@code k@1}. */
  public String rollNewVersion(String name) {
    String response = post("/v1/key/" + urlEncode(name), "{}", 200);
    Matcher m = VERSION_NAME.matcher(response);
    if (!m.find()) {
      throw new IllegalStateException("KMS roll of '" + name + "' returned no versionName");
    }
    return m.group(1);
  }

  private String post(String path, String body, int expectedStatus) {
    if (!isRunning()) {
      throw new IllegalStateException("KMS is not running");
    }
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(restUrl() + path + "?user.name=" + urlEncode(adminUser)))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != expectedStatus) {
        throw new IllegalStateException(
            "KMS " + path + " returned HTTP " + response.statusCode() + " (see " + logFile + ")");
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException("KMS " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private String awaitReady(Process p) throws IOException {
    CompletableFuture<String> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> pumpStdout(p.getInputStream(), ready), "kms-stdout-" + port);
    reader.setDaemon(true);
    reader.start();
    try {
      return ready.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IOException("KMS not ready after " + START_TIMEOUT, e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting KMS", e);
    }
  }

  // Finds the ready line, then keeps draining stdout into the log so the child never blocks.
  private void pumpStdout(InputStream in, CompletableFuture<String> ready) {
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

  private void writeConf(Map<String, Map<KeyOp, String>> keyAcls) throws IOException {
    Files.writeString(confDir.resolve("core-site.xml"), "<configuration/>\n");
    Map<String, String> acls = new LinkedHashMap<>();
    for (String op :
        List.of(
            "CREATE",
            "DELETE",
            "ROLLOVER",
            "GET",
            "GET_KEYS",
            "GET_METADATA",
            "SET_KEY_MATERIAL",
            "GENERATE_EEK",
            "DECRYPT_EEK")) {
      acls.put("hadoop.kms.acl." + op, "*");
    }
    for (KeyOp op : KeyOp.values()) {
      acls.put("default.key.acl." + op, "*");
    }
    // A key with its own ACLs names every op, so nothing depends on default fallback rules.
    keyAcls.forEach(
        (key, ops) -> {
          for (KeyOp op : KeyOp.values()) {
            acls.put("key.acl." + key + "." + op, ops.getOrDefault(op, "*"));
          }
        });
    Files.writeString(confDir.resolve("kms-acls.xml"), xml(acls));
    Files.writeString(
        confDir.resolve("log4j.properties"),
        String.join(
            "\n",
            "log4j.rootLogger=INFO, err",
            "log4j.appender.err=org.apache.log4j.ConsoleAppender",
            "log4j.appender.err.Target=System.err",
            "log4j.appender.err.layout=org.apache.log4j.PatternLayout",
            "log4j.appender.err.layout.ConversionPattern=%d{ISO8601} %-5p %c{1} - %m%n",
            ""));
    if (tls != null) {
      Map<String, String> ssl = new LinkedHashMap<>();
      ssl.put("ssl.server.keystore.location", tls.serverKeyStore.toString());
      ssl.put("ssl.server.keystore.password", tls.serverPassword);
      ssl.put("ssl.server.keystore.keypassword", tls.serverPassword);
      ssl.put("ssl.server.keystore.type", "jks");
      Files.writeString(confDir.resolve("ssl-server.xml"), xml(ssl));
    }
  }

  // Rewritten at each start: the port is 0 only until the first start picked one.
  private void writeKmsSite() throws IOException {
    Map<String, String> site = new LinkedHashMap<>();
    site.put("hadoop.kms.key.provider.uri", "jceks://file@" + backingKeyStore.toUri().getPath());
    site.put("hadoop.kms.authentication.type", "simple");
    site.put("hadoop.kms.http.host", host);
    site.put("hadoop.kms.http.port", Integer.toString(port));
    site.put("hadoop.kms.ssl.enabled", Boolean.toString(https));
    Files.writeString(confDir.resolve("kms-site.xml"), xml(site));
  }

  private String scheme() {
    return https ? "https" : "http";
  }

  private Tls newTls() throws IOException {
    Path dir = Files.createDirectories(workDir.resolve("tls"));
    Tls t = new Tls(dir, randomPassword(), randomPassword());
    Path cert = dir.resolve("kms.crt");
    keytool(
        "-genkeypair",
        "-alias",
        "kms",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "7",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1,ip:127.0.0.2",
        "-keystore",
        t.serverKeyStore.toString(),
        "-storetype",
        "JKS",
        "-storepass",
        t.serverPassword,
        "-keypass",
        t.serverPassword);
    keytool(
        "-exportcert",
        "-alias",
        "kms",
        "-keystore",
        t.serverKeyStore.toString(),
        "-storepass",
        t.serverPassword,
        "-file",
        cert.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "kms",
        "-file",
        cert.toString(),
        "-keystore",
        t.trustStore.toString(),
        "-storetype",
        "JKS",
        "-storepass",
        t.trustStorePassword);
    Files.writeString(t.trustStorePasswordFile, t.trustStorePassword);
    return t;
  }

  private static void keytool(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("keytool " + args[0] + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static String serverClasspath() throws IOException {
    URL resource = HadoopKmsServer.class.getResource(CLASSPATH_RESOURCE);
    if (resource == null) {
      throw new IOException(
          CLASSPATH_RESOURCE + " not found: add pipeseal-test-kms-server as a test dependency");
    }
    String deps;
    try (InputStream in = resource.openStream()) {
      deps = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    // The server main class lives next to the resource: in the module jar or target/classes.
    String root;
    String spec = resource.toString();
    if (spec.startsWith("jar:")) {
      root = Path.of(URI.create(spec.substring(4, spec.indexOf("!/")))).toString();
    } else {
      Path file = Path.of(URI.create(spec));
      root = file.getParent().getParent().getParent().getParent().toString();
    }
    return root + java.io.File.pathSeparator + deps;
  }

  private static String xml(Map<String, String> props) {
    StringBuilder sb = new StringBuilder("<?xml version=\"1.0\"?>\n<configuration>\n");
    props.forEach(
        (k, v) ->
            sb.append("  <property><name>")
                .append(escapeXml(k))
                .append("</name><value>")
                .append(escapeXml(v))
                .append("</value></property>\n"));
    return sb.append("</configuration>\n").toString();
  }

  private static String escapeXml(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String json(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private static String urlEncode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String randomPassword() {
    byte[] b = new byte[12];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Configures a server before its first start. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port;
    private boolean https;
    private Path workDir;
    private HadoopKmsServer keysFrom;
    private final Map<String, Map<KeyOp, String>> keyAcls = new LinkedHashMap<>();

    private Builder() {}

    /** Bind address, default {@code 127.0.0.1}; any 127.x.y.z works for a second server. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Fixed port; default 0 picks a free one at first start and keeps it on restart. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** HTTPS with a self-signed certificate for localhost, 127.0.0.1 and 127.0.0.2. */
    public Builder https(boolean https) {
      this.https = https;
      return this;
    }

    /** Keeps conf, key store and log in {@code workDir} (kept after close); default: a temp dir. */
    public Builder workDir(Path workDir) {
      this.workDir = workDir;
      return this;
    }

    /**
     * Serves a copy of {@code other}'s master keys as they are now (and reuses its certificate), so
     * two servers can stand behind one {@code host1;host2} URI. Keys created or rolled later on one
     * server are not seen by the other.
     */
    public Builder copyKeysFrom(HadoopKmsServer other) {
      this.keysFrom = other;
      return this;
    }

    /**
     * Sets the ACL of one operation on one key: a Hadoop ACL string such as {@code "alice"}, {@code
     * "alice,bob group1"} or {@code "*"}; operations not set stay open to everyone.
     */
    public Builder keyAcl(String keyName, KeyOp op, String acl) {
      keyAcls.computeIfAbsent(keyName, k -> new LinkedHashMap<>()).put(op, acl);
      return this;
    }

    /** Builds and starts the server. */
    public HadoopKmsServer start() {
      try {
        return new HadoopKmsServer(this).start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static final class Tls {
    final Path serverKeyStore;
    final String serverPassword;
    final Path trustStore;
    final String trustStorePassword;
    final Path trustStorePasswordFile;

    Tls(Path dir, String serverPassword, String trustStorePassword) {
      this.serverKeyStore = dir.resolve("server.jks");
      this.serverPassword = serverPassword;
      this.trustStore = dir.resolve("truststore.jks");
      this.trustStorePassword = trustStorePassword;
      this.trustStorePasswordFile = dir.resolve("truststore.password");
    }

    javax.net.ssl.SSLContext clientContext() {
      try (InputStream in = Files.newInputStream(trustStore)) {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("JKS");
        ks.load(in, trustStorePassword.toCharArray());
        javax.net.ssl.TrustManagerFactory tmf =
            javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
      } catch (IOException | java.security.GeneralSecurityException e) {
        throw new IllegalStateException("cannot load test trust store", e);
      }
    }
  }
}
