package dev.pipeseal.kms.rest;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.secret.SecretSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * One provider's HTTP client: the JDK {@link HttpClient} on a small daemon executor this object
 * owns, with the provider's timeout and TLS trust. Calls never block the caller.
 */
public final class RestClient implements AutoCloseable {
  private final String provider;
  private final RestSettings settings;
  private final ExecutorService executor;
  private final HttpClient http;

  /**
   * @param provider provider id, for error messages and thread names
   * @param settings timeout and trust
   * @param secrets resolves the trust store password reference
   */
  public RestClient(String provider, RestSettings settings, SecretSource secrets) {
    this.provider = provider;
    this.settings = settings;
    this.executor = Executors.newCachedThreadPool(daemonThreads(provider));
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .connectTimeout(settings.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor);
    if (settings.trustStore().isPresent()) {
      builder.sslContext(sslContext(provider, settings, secrets));
    }
    this.http = builder.build();
  }

  /** A request builder for {@code uri} with the configured timeout. */
  public HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri)
        .timeout(settings.timeout())
        .header("User-Agent", "pipeseal-" + provider);
  }

  /** Sends a request; the future fails only with transport errors, never for an HTTP status. */
  public CompletableFuture<RestResponse> send(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new RestResponse(r.statusCode(), r.headers(), r.body()));
  }

  /** Stops the client's threads. */
  @Override
  public void close() {
    executor.shutdownNow();
  }

  private static SSLContext sslContext(
      String provider, RestSettings settings, SecretSource secrets) {
    char[] password =
        settings.trustStorePassword().isPresent()
            ? secrets.resolve(
                settings.trustStorePassword().get(), provider, RestSettings.TRUST_STORE_PASSWORD)
            : null;
    try (InputStream in = Files.newInputStream(settings.trustStore().get())) {
      KeyStore store =
          KeyStore.getInstance(settings.trustStoreType().orElse(KeyStore.getDefaultType()));
      store.load(in, password);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new KmsConfigException(
          provider,
          null,
          RestSettings.TRUST_STORE
              + " '"
              + settings.trustStore().get()
              + "' cannot be loaded: "
              + e.getClass().getSimpleName(),
          e);
    } finally {
      if (password != null) {
        Arrays.fill(password, '\0');
      }
    }
  }

  private static ThreadFactory daemonThreads(String provider) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "pipeseal-" + provider + "-http-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
