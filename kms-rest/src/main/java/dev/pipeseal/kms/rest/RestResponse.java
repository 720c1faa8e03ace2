package dev.pipeseal.kms.rest;

import java.net.http.HttpHeaders;

/**
 * A service's answer. {@link #toString()} leaves the body out: it may hold key material or a token.
 *
 * @param status HTTP status code
 * @param headers response headers
 * @param body response body as text
 */
public record RestResponse(int status, HttpHeaders headers, String body) {
  /** True for 2xx. */
  public boolean ok() {
    return status >= 200 && status < 300;
  }

  /** The body as JSON; a malformed body raises {@link IllegalArgumentException}. */
  public Json json() {
    return Json.parse(body == null || body.isBlank() ? "{}" : body);
  }

  @Override
  public String toString() {
    return "RestResponse[" + status + ", " + (body == null ? 0 : body.length()) + " chars]";
  }
}
