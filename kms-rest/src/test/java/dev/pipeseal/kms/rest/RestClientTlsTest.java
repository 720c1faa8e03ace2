package dev.pipeseal.kms.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.testing.HttpStub;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS trust settings: the JDK's trust refuses a private CA; the configured trust store accepts it.
 */
class RestClientTlsTest {
  @TempDir Path dir;

  @Test
  void trustsOnlyWhatTheTrustStoreHolds() throws Exception {
    try (HttpStub server = HttpStub.startTls(r -> HttpStub.Reply.json(200, "{\"ok\":true}"), dir)) {
      SettingsReader untrusted = new SettingsReader("p", Map.of());
      try (RestClient client =
          new RestClient("p", RestSettings.parse(untrusted), SecretSource.system())) {
        assertThatThrownBy(
                () ->
                    KmsCalls.await(
                        client
                            .send(client.request(server.uri()).GET().build())
                            .handle(
                                (r, f) -> {
                                  if (f != null) {
                                    throw HttpFailures.forTransport("p", "k", "describe", f);
                                  }
                                  return r;
                                })))
            .isInstanceOf(KmsConfigException.class)
            .hasMessageContaining("not trusted");
      }
      SettingsReader trusted =
          new SettingsReader(
              "p",
              Map.of(
                  "tls.trust-store",
                  server.trustStore().toString(),
                  "tls.trust-store-password",
                  "file:" + server.trustStorePasswordFile(),
                  "tls.trust-store-type",
                  "JKS"));
      try (RestClient client =
          new RestClient("p", RestSettings.parse(trusted), SecretSource.system())) {
        RestResponse r = KmsCalls.await(client.send(client.request(server.uri()).GET().build()));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("ok").bool()).contains(true);
      }
    }
  }

  @Test
  void aMissingTrustStoreIsAConfigError() {
    SettingsReader s =
        new SettingsReader("p", Map.of("tls.trust-store", dir.resolve("none.p12").toString()));
    assertThatThrownBy(
            () -> new RestClient("p", RestSettings.parse(s), SecretSource.system()).close())
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("tls.trust-store");
  }
}
