package dev.pipeseal.kms.hadoop;

import static dev.pipeseal.kms.hadoop.HadoopKmsHttpTest.failure;
import static dev.pipeseal.kms.hadoop.HadoopKmsHttpTest.join;
import static dev.pipeseal.kms.hadoop.HadoopKmsHttpTest.material;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.testing.HadoopKmsServer;
import java.net.URI;
import java.util.Map;
import org.apache.hadoop.crypto.key.kms.LoadBalancingKMSClientProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Outages: a stopped server gives {@link KmsUnavailableException} and serves the same keys after a
 * restart; with two servers behind one {@code host1;host2} URI, one being down is invisible.
 */
class HadoopKmsFailoverTest {
  private static HadoopKmsServer first;
  private static HadoopKmsServer second;

  @BeforeAll
  static void start() {
    first = HadoopKmsServer.startHttp();
    first.createKey("shared");
    // Same port on another loopback address, serving a copy of the same master keys.
    second =
        HadoopKmsServer.builder().host("127.0.0.2").port(first.port()).copyKeysFrom(first).start();
  }

  @AfterAll
  static void stop() {
    for (HadoopKmsServer s : new HadoopKmsServer[] {second, first}) {
      if (s != null) {
        s.close();
      }
    }
  }

  @Test
  void stoppedServerIsUnavailableAndRestartKeepsKeys() {
    try (Kms kms = new HadoopKmsService().create(first.uri(), Map.of("timeout", "5s"))) {
      DataKeyPair pair = join(kms.generateDataKey("shared"));

      first.stop();
      Throwable down = failure(kms.unwrap(pair.wrapped()));
      assertThat(down).isInstanceOf(KmsUnavailableException.class).hasMessageContaining("shared");
      assertThat(((KmsException) down).provider()).isEqualTo("hadoop-kms");
      assertThat(failure(kms.describe("shared"))).isInstanceOf(KmsUnavailableException.class);

      first.restart();
      try (DataKey again = join(kms.unwrap(pair.wrapped()))) {
        assertThat(material(again)).isEqualTo(material(pair.plaintext()));
      }
      assertThat(join(kms.describe("shared")).currentVersion()).isEqualTo("shared@0");
      pair.close();
    } finally {
      first.start(); // no-op when running
    }
  }

  @Test
  void twoHostsSurviveOneStopped() {
    URI both = URI.create("kms://http@127.0.0.1;127.0.0.2:" + first.port() + "/kms");
    try (Kms kms = new HadoopKmsService().create(both, Map.of("timeout", "5s"))) {
      LoadBalancingKMSClientProvider lb =
          (LoadBalancingKMSClientProvider) ((HadoopKms) kms).keyProvider();
      assertThat(lb.getProviders()).hasSize(2);

      DataKeyPair pair = join(kms.generateDataKey("shared"));
      first.stop();
      // Round robin: several calls, so some are first sent to the stopped host and fail over.
      for (int i = 0; i < 4; i++) {
        try (DataKey dek = join(kms.unwrap(pair.wrapped()))) {
          assertThat(material(dek)).isEqualTo(material(pair.plaintext()));
        }
        MasterKeyInfo info = join(kms.describe("shared"));
        assertThat(info.name()).isEqualTo("shared");
      }
      try (DataKeyPair fresh = join(kms.generateDataKey("shared"))) {
        assertThat(fresh.wrapped().masterKeyVersion()).isEqualTo("shared@0");
      }

      second.stop();
      assertThat(failure(kms.unwrap(pair.wrapped()))).isInstanceOf(KmsUnavailableException.class);
      pair.close();
    } finally {
      first.start();
      second.start();
    }
  }
}
