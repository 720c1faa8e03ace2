package dev.pipeseal.kms.rest;

import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * OAuth 2.0 token requests (RFC 6749) as the cloud providers make them without their SDKs: a form
 * posted to a token endpoint, or a metadata service asked, and the JSON answer read into an {@link
 * AccessToken}. Throttling and server errors are transient; any other refusal is access denied.
 */
public final class OAuthTokens {
  /** RFC 6749 section 5.2: {@code error} and, if present, {@code error_description}. */
  public static final Function<Json, String> STANDARD_ERROR =
      json ->
          json.get("error").string().orElse("")
              + json.get("error_description").string().map(d -> ": " + d).orElse("");

  private final String provider;
  private final RestClient client;
  private final Clock clock;
  private final Function<Json, String> errorDetail;

  /**
   * @param provider provider id, for messages
   * @param client sends the requests
   * @param clock turns {@code expires_in} into an expiry
   * @param errorDetail the short text of an error answer
   */
  public OAuthTokens(
      String provider, RestClient client, Clock clock, Function<Json, String> errorDetail) {
    this.provider = provider;
    this.client = client;
    this.clock = clock;
    this.errorDetail = errorDetail;
  }

  /** A form-encoded POST of {@code form}, in its iteration order. */
  public HttpRequest formPost(URI uri, Map<String, String> form) {
    StringBuilder body = new StringBuilder();
    form.forEach(
        (k, v) ->
            body.append(body.length() == 0 ? "" : "&")
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return client
        .request(uri)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
  }

  /**
   * Sends a token request.
   *
   * @param source where the token comes from, for messages
   * @param unreachable if not null, the configuration error to report when the source cannot be
   *     reached: a metadata service is the last resort of credential discovery, so not reaching it
   *     means nothing was configured
   */
  public CompletableFuture<AccessToken> exchange(
      String source, HttpRequest request, String unreachable) {
    return client
        .send(request)
        .handle(
            (response, failure) -> {
              if (failure != null) {
                KmsException e =
                    HttpFailures.forTransport(provider, null, "token from " + source, failure);
                throw unreachable != null && e instanceof KmsUnavailableException
                    ? new KmsConfigException(provider, null, unreachable, e)
                    : e;
              }
              return token(source, response);
            });
  }

  private AccessToken token(String source, RestResponse response) {
    Json json;
    try {
      json = response.json();
    } catch (IllegalArgumentException e) {
      throw HttpFailures.malformed(provider, null, "token from " + source, "not JSON");
    }
    if (!response.ok()) {
      String message =
          "token from "
              + source
              + " failed: HTTP "
              + response.status()
              + " "
              + HttpFailures.detail(errorDetail.apply(json));
      if (response.status() == 429 || response.status() >= 500) {
        throw new KmsUnavailableException(provider, null, message + " (transient)");
      }
      throw new AccessDeniedException(provider, null, message);
    }
    String value =
        json.get("access_token")
            .string()
            .filter(s -> !s.isEmpty())
            .orElseThrow(
                () ->
                    HttpFailures.malformed(
                        provider, null, "token from " + source, "no access_token"));
    // Some metadata services quote expires_in as a string; token endpoints give a number.
    long expiresIn = json.get("expires_in").number().orElse(0L);
    if (expiresIn <= 0) {
      throw HttpFailures.malformed(provider, null, "token from " + source, "no expires_in");
    }
    return AccessToken.expiringIn(value, Duration.ofSeconds(expiresIn), clock.instant(), false);
  }

  /**
   * A projected service-account token (a JWT) presented to a login or token endpoint. Kubernetes
   * rotates the file, so it is read at every refresh, never cached.
   *
   * @param setting the setting that names the file, for the error message
   */
  public static String readTokenFile(String provider, String setting, Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new KmsConfigException(
          provider,
          null,
          setting + " '" + file + "' cannot be read: " + e.getClass().getSimpleName());
    }
  }
}
