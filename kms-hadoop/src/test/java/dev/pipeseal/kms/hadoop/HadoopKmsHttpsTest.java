package dev.pipeseal.kms.hadoop;

import static dev.pipeseal.kms.hadoop.HadoopKmsHttpTest.failure;
import static dev.pipeseal.kms.hadoop.HadoopKmsHttpTest.join;
import static dev.pipeseal.kms.hadoop.HadoopKmsHttpTest.material;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.testing.HadoopKmsServer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The provider over HTTPS, trusting the test's self-signed certificate through its config. */
class HadoopKmsHttpsTest {
  private static HadoopKmsServer server;

  @BeforeAll
  static void start() {
    server = HadoopKmsServer.builder().https(true).start();
    server.createKey("tls-key");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void roundTripOverHttps() {
    assertThat(server.uri().toString()).startsWith("kms://https@127.0.0.1:");
    try (Kms kms = new HadoopKmsService().create(server.uri(), server.clientConfig());
        DataKeyPair pair = join(kms.generateDataKey("tls-key"));
        DataKey unwrapped = join(kms.unwrap(pair.wrapped()))) {
      assertThat(material(unwrapped)).isEqualTo(material(pair.plaintext()));
      assertThat(join(kms.describe("tls-key")).currentVersion()).isEqualTo("tls-key@0");
    }
  }

  @Test
  void untrustedCertificateIsAConfigurationError() {
    try (Kms kms = new HadoopKmsService().create(server.uri(), Map.of())) {
      assertThat(failure(kms.describe("tls-key")))
          .isInstanceOf(KmsConfigException.class)
          .hasMessageContaining("tls-key");
    }
  }

  @Test
  void trustStorePasswordMustBeAReference() {
    Map<String, String> config = new HashMap<>(server.clientConfig());
    config.put("truststore.password", "literal-secret");
    assertThatThrownBy(() -> new HadoopKmsService().create(server.uri(), config))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("truststore.password")
        .hasMessageNotContaining("literal-secret");
  }
}
