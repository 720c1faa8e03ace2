package dev.pipeseal.kms.hadoop;

import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.UnknownKeyException;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.security.authentication.client.AuthenticationException;
import org.apache.hadoop.security.authorize.AuthorizationException;

/**
 * Classifies Hadoop client failures into the SPI's typed errors, so decorators can tell transient
 * failures (retry) from denied, unknown or broken requests (do not).
 *
 * <p>The Hadoop client re-creates the server's exception from the JSON error body (keeping its
 * class and message) or, without one, throws an {@code IOException} reading {@code HTTP status
 * [code], message [...]}. Unknown keys have no exception type of their own; the server's messages
 * are matched instead.
 */
final class KmsErrors {
  private static final Pattern HTTP_STATUS =
      Pattern.compile("(?:HTTP status \\[|status: )(\\d{3})\\b");
  private static final String[] UNKNOWN_KEY_MESSAGES = {
    "no keyversion exists for key", // generate on a missing key
    "does not exist", // a missing key version
    "doesn't exist",
    "not found",
  };

  private KmsErrors() {}

  static KmsException map(Throwable failure, String keyName, String operation) {
    String what = operation + " failed";
    int status = -1;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof KmsException k) {
        return k;
      }
      status = status < 0 ? status(t) : status;
    }
    // An HTTP status wins: the client wraps even a 503 in an AuthenticationException.
    if (status == 401 || status == 403) {
      return denied(failure, keyName, what + ": HTTP " + status);
    }
    if ((status >= 500 && status <= 599) || status == 429) {
      return unavailable(failure, keyName, what + ": HTTP " + status);
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof AuthorizationException
          || t instanceof AccessControlException
          || t instanceof java.nio.file.AccessDeniedException) {
        return denied(failure, keyName, what + ": " + t.getMessage());
      }
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      for (String m : UNKNOWN_KEY_MESSAGES) {
        if (message.contains(m)) {
          return new UnknownKeyException(
              provider(), keyName, what + ": key or key version not found in the KMS", failure);
        }
      }
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof CertificateException) {
        return new KmsConfigException(
            provider(), keyName, what + ": server certificate not trusted", failure);
      }
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof SocketTimeoutException
          || t instanceof NoRouteToHostException
          || t instanceof UnknownHostException
          || t instanceof SocketException
          || t instanceof EOFException
          || t instanceof SSLException) {
        return unavailable(failure, keyName, what + ": KMS unreachable (" + t + ")");
      }
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof AuthenticationException) {
        return denied(failure, keyName, what + ": " + t.getMessage());
      }
    }
    return new KmsException(provider(), keyName, what + ": " + failure, failure);
  }

  private static AccessDeniedException denied(Throwable cause, String keyName, String message) {
    return new AccessDeniedException(provider(), keyName, message, cause);
  }

  private static KmsUnavailableException unavailable(
      Throwable cause, String keyName, String message) {
    return new KmsUnavailableException(provider(), keyName, message, cause);
  }

  // "HTTP status [503], message [...]" from the KMS client, "status: 503, message: ..." from
  // its authenticator.
  private static int status(Throwable t) {
    String message = t.getMessage();
    if (message == null) {
      return -1;
    }
    Matcher m = HTTP_STATUS.matcher(message);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  private static String provider() {
    return HadoopKmsService.PROVIDER_ID;
  }
}
