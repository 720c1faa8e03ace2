package dev.pipeseal.kms.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A local HTTP server on 127.0.0.1 for contract tests of REST KMS providers: a handler plays the
 * service by its documented request and response shapes, every request is recorded (so tests can
 * assert auth headers and bodies), and failures can be queued ahead of the handler (throttling,
 * unavailability, malformed bodies).
 */
public final class HttpStub implements AutoCloseable {
  /** A recorded request. Header names are lower case. */
  public record Request(
      String method, String path, String query, Map<String, List<String>> headers, String body) {
    /** The first value of a header, or null. */
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public String toString() {
      return method + " " + path + (query == null ? "" : "?" + query);
    }
  }

  /** A reply: status, JSON (or any) body, extra headers. */
  public record Reply(int status, String body, Map<String, String> headers) {
    public static Reply json(int status, String body) {
      return new Reply(status, body, Map.of("Content-Type", "application/json"));
    }
  }

  /** Plays the service. */
  public interface Handler {
    Reply handle(Request request) throws Exception;
  }

  private final HttpServer server;
  private final SelfSignedTls tls;
  private final ExecutorService executor;
  private final List<Request> requests = new ArrayList<>();
  private final Deque<Reply> queued = new ArrayDeque<>();

  private HttpStub(Handler handler, SelfSignedTls tls) throws IOException {
    this.tls = tls;
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    if (tls == null) {
      server = HttpServer.create(loopback, 0);
    } else {
      HttpsServer https = HttpsServer.create(loopback, 0);
      https.setHttpsConfigurator(new HttpsConfigurator(tls.serverContext()));
      server = https;
    }
    executor = Executors.newFixedThreadPool(4);
    server.setExecutor(executor);
    server.createContext("/", exchange -> serve(exchange, handler));
    server.start();
  }

  /** Starts a stub on a free loopback port. */
  public static HttpStub start(Handler handler) throws IOException {
    return new HttpStub(handler, null);
  }

  /**
   * Starts a stub that speaks HTTPS with a fresh self-signed certificate for 127.0.0.1, made in
   * {@code dir}; clients trust it through {@link #trustStore()}.
   */
  public static HttpStub startTls(Handler handler, Path dir) throws IOException {
    return new HttpStub(handler, SelfSignedTls.create(dir));
  }

  /** The JKS trust store holding the TLS stub's certificate. */
  public Path trustStore() {
    return tls.trustStore;
  }

  /** A file holding the trust store's password, for {@code file:} references. */
  public Path trustStorePasswordFile() {
    return tls.trustStorePasswordFile;
  }

  /** {@code http://127.0.0.1:PORT} (or {@code https://}), no trailing slash. */
  public URI uri() {
    return URI.create(
        (tls == null ? "http://" : "https://")
            + server.getAddress().getAddress().getHostAddress()
            + ":"
            + server.getAddress().getPort());
  }

  /** Every request so far, oldest first. */
  public synchronized List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Forgets recorded requests. */
  public synchronized void clearRequests() {
    requests.clear();
  }

  /** The next {@code times} requests get {@code reply} instead of the handler's answer. */
  public synchronized void failNext(int times, Reply reply) {
    for (int i = 0; i < times; i++) {
      queued.add(reply);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void serve(HttpExchange exchange, Handler handler) throws IOException {
    try (exchange) {
      String body;
      try (InputStream in = exchange.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Map<String, List<String>> headers = new java.util.TreeMap<>();
      exchange
          .getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      URI uri = exchange.getRequestURI();
      Request request =
          new Request(
              exchange.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(), headers, body);
      Reply reply;
      synchronized (this) {
        requests.add(request);
        reply = queued.poll();
      }
      if (reply == null) {
        try {
          reply = handler.handle(request);
        } catch (Exception e) {
          reply = Reply.json(500, "{\"stub-error\":\"" + e.getClass().getSimpleName() + "\"}");
        }
      }
      byte[] out =
          reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
      reply.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
      exchange.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        try (OutputStream os = exchange.getResponseBody()) {
          os.write(out);
        }
      }
    }
  }
}
