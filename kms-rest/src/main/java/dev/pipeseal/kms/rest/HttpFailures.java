package dev.pipeseal.kms.rest;

import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.UnknownKeyException;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Maps HTTP outcomes onto the SPI's typed exceptions, so the resilient decorator retries only what
 * is transient (throttling, unavailability, transport errors) and fails fast on denied or unknown
 * keys. Messages carry the status and the service's own short error text, never a body.
 */
public final class HttpFailures {
  private static final int MAX_DETAIL = 300;

  private HttpFailures() {}

  /**
   * The typed error for a non-2xx status.
   *
   * @param detail the service's error text (already extracted from its error body), or null
   */
  public static KmsException forStatus(
      String provider, String keyName, String operation, int status, String detail) {
    String message = operation + " failed: HTTP " + status + suffix(detail);
    if (status == 401 || status == 403) {
      return new AccessDeniedException(provider, keyName, message);
    }
    if (status == 404) {
      return new UnknownKeyException(provider, keyName, message);
    }
    if (status == 408 || status == 429 || status >= 500) {
      return new KmsUnavailableException(provider, keyName, message + " (transient)");
    }
    return new KmsException(provider, keyName, message);
  }

  /** The typed error for a transport failure (connect, timeout, TLS). */
  public static KmsException forTransport(
      String provider, String keyName, String operation, Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof KmsException k) {
      return k;
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof CertificateException
          || (c instanceof SSLHandshakeException
              && String.valueOf(c.getMessage()).contains("PKIX"))) {
        return new KmsConfigException(
            provider,
            keyName,
            operation + " failed: server certificate not trusted (see tls.trust-store)",
            t);
      }
    }
    if (t instanceof IOException) {
      return new KmsUnavailableException(
          provider,
          keyName,
          operation + " failed: service unreachable (" + t.getClass().getSimpleName() + ")",
          t);
    }
    return new KmsException(
        provider, keyName, operation + " failed: " + t.getClass().getSimpleName(), t);
  }

  /** A response that is not what the documented API returns. */
  public static KmsException malformed(
      String provider, String keyName, String operation, String what) {
    return new KmsException(
        provider, keyName, operation + " failed: unexpected response from the service: " + what);
  }

  /** Strips {@link CompletionException} and {@link ExecutionException} wrappers. */
  public static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Shortens and cleans a service's error text for a message. */
  public static String detail(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_DETAIL));
    for (int i = 0; i < text.length() && out.length() < MAX_DETAIL; i++) {
      char c = text.charAt(i);
      out.append(Character.isISOControl(c) ? ' ' : c);
    }
    return text.length() > MAX_DETAIL ? out + "..." : out.toString();
  }

  private static String suffix(String detail) {
    String d = detail(detail);
    return d == null ? "" : ": " + d;
  }
}
