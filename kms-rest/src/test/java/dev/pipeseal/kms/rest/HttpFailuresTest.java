package dev.pipeseal.kms.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.UnknownKeyException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.security.cert.CertificateException;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class HttpFailuresTest {
  @Test
  void statusesMapToTypedErrorsNamingProviderAndKey() {
    assertThat(HttpFailures.forStatus("p", "k", "unwrap", 401, null))
        .isInstanceOf(AccessDeniedException.class);
    assertThat(HttpFailures.forStatus("p", "k", "unwrap", 403, "denied"))
        .isInstanceOf(AccessDeniedException.class)
        .hasMessage("[p key 'k'] unwrap failed: HTTP 403: denied");
    assertThat(HttpFailures.forStatus("p", "k", "unwrap", 404, null))
        .isInstanceOf(UnknownKeyException.class);
    for (int s : new int[] {408, 429, 500, 502, 503, 504}) {
      assertThat(HttpFailures.forStatus("p", "k", "unwrap", s, null))
          .isInstanceOf(KmsUnavailableException.class);
    }
    KmsException other = HttpFailures.forStatus("p", "k", "unwrap", 409, "x\n".repeat(400));
    assertThat(other.getClass()).isEqualTo(KmsException.class);
    assertThat(other.getMessage()).hasSizeLessThan(400).doesNotContain("\n");
  }

  @Test
  void transportFailuresAreTransientExceptUntrustedCertificates() {
    assertThat(
            HttpFailures.forTransport(
                "p", "k", "unwrap", new CompletionException(new ConnectException("refused"))))
        .isInstanceOf(KmsUnavailableException.class);
    assertThat(HttpFailures.forTransport("p", "k", "unwrap", new HttpTimeoutException("timed out")))
        .isInstanceOf(KmsUnavailableException.class);
    SSLHandshakeException pkix = new SSLHandshakeException("PKIX path building failed");
    pkix.initCause(new CertificateException("unable to find valid certification path"));
    assertThat(HttpFailures.forTransport("p", "k", "unwrap", pkix))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("not trusted");
    UnknownKeyException typed = new UnknownKeyException("p", "k", "gone");
    assertThat(HttpFailures.forTransport("p", "k", "unwrap", new CompletionException(typed)))
        .isSameAs(typed);
  }
}
