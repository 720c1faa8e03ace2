package dev.pipeseal.kms.hadoop;

import static dev.pipeseal.kms.hadoop.HadoopKmsHttpTest.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsUnavailableException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Failures a healthy KMS cannot be made to produce on demand (a hung server, an overloaded proxy in
 * front of it), from plain JDK sockets: they must be classified for the retrying decorator.
 */
class HadoopKmsErrorMappingTest {
  @Test
  void serverThatNeverAnswersTimesOutAsUnavailable() throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Kms kms = open(silent.getLocalPort())) {
      assertThat(failure(kms.describe("k")))
          .isInstanceOf(KmsUnavailableException.class)
          .hasMessageContaining("'k'");
    }
  }

  @Test
  void status503IsUnavailable() throws IOException {
    assertThat(statusFailure(503)).isInstanceOf(KmsUnavailableException.class);
  }

  @Test
  void status403IsAccessDenied() throws IOException {
    assertThat(statusFailure(403)).isInstanceOf(AccessDeniedException.class);
  }

  private static Throwable statusFailure(int status) throws IOException {
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/",
        exchange -> {
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    http.start();
    try (Kms kms = open(http.getAddress().getPort())) {
      return failure(kms.describe("k"));
    } finally {
      http.stop(0);
    }
  }

  private static Kms open(int port) {
    return new HadoopKmsService()
        .create(
            URI.create("kms://http@127.0.0.1:" + port + "/kms"),
            // "timeout.seconds" is the deprecated name of "timeout"; this keeps it working.
            Map.of("timeout.seconds", "1", "hadoop.security.kms.client.failover.max.retries", "0"));
  }
}
