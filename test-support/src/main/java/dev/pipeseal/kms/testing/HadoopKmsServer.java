package dev.pipeseal.kms.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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
  private final SelfSignedTls tls;
  private final HttpClient http;
  private final String adminUser = System.getProperty("user.name", "pipeseal");

  private int port;
  private ServerProcess process;

  private HadoopKmsServer(Builder b) throws IOException {
    this.host = b.host;
    this.https = b.https;
    this.port = b.port;
    this.ownsWorkDir = b.workDir == null;
    this.workDir = ownsWorkDir ? Files.createTempDirectory("pipeseal-kms-") : b.workDir;
    this.confDir = Files.createDirectories(workDir.resolve("conf"));
    this.backingKeyStore = workDir.resolve("kms.keystore");
    this.logFile = workDir.resolve("kms.log");
    if (b.keysFrom != null) {
      // A second server for failover tests: the same master keys as of now, same password.
      Files.copy(b.keysFrom.backingKeyStore, backingKeyStore, StandardCopyOption.REPLACE_EXISTING);
      this.backingKeyStorePassword = b.keysFrom.backingKeyStorePassword;
    } else {
      this.backingKeyStorePassword = SelfSignedTls.randomPassword();
    }
    if (!https) {
      this.tls = null;
    } else if (b.keysFrom != null && b.keysFrom.tls != null) {
      this.tls = b.keysFrom.tls;
    } else {
      this.tls = SelfSignedTls.create(workDir.resolve("tls"));
    }
    KmsConfFiles.writeStatic(confDir, b.keyAcls, tls);
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

  /** Starts the child JVM and waits until it serves requests; no-op when running. */
  public synchronized HadoopKmsServer start() {
    if (isRunning()) {
      return this;
    }
    try {
      KmsConfFiles.writeKmsSite(confDir, backingKeyStore, host, port, https);
      process = ServerProcess.start(workDir, confDir, logFile, backingKeyStorePassword);
      port = process.url().getPort();
      return this;
    } catch (IOException e) {
      process = null;
      throw new UncheckedIOException("could not start Hadoop KMS", e);
    }
  }

  /** Stops the server: closes its stdin (clean stop), then kills it if it lingers. Idempotent. */
  public synchronized void stop() {
    if (process != null) {
      process.stop();
      process = null;
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
      try (Stream<Path> paths = Files.walk(workDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // Best effort: it is a temporary directory.
      }
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

  private String scheme() {
    return https ? "https" : "http";
  }

  private static String json(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private static String urlEncode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
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
     * server are not seen by the other. For HTTPS the certificate files stay in {@code other}'s
     * work directory, so close this server first.
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
}
