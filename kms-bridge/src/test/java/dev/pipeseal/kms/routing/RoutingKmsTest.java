package dev.pipeseal.kms.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.kms.fake.FakeKms;
import dev.pipeseal.kms.hierarchy.KekKms;
import java.net.URI;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingKmsTest {
  static String hex(DataKey k) {
    return HexFormat.of().formatHex(k.withMaterial(byte[]::clone));
  }

  @Test
  void writesWithTheDefaultAndReadsEveryConfiguredProvider() {
    FakeKms old = FakeKms.forProvider("old", "pii");
    FakeKms current = FakeKms.forProvider("new", "pii");
    WrappedKey fromOld;
    String secret;
    try (DataKeyPair p = KmsCalls.await(old.generateDataKey("pii"))) {
      fromOld = p.wrapped();
      secret = hex(p.plaintext());
    }
    try (RoutingKms routing = new RoutingKms(current, List.of(old))) {
      try (DataKeyPair p = KmsCalls.await(routing.generateDataKey("pii"))) {
        assertThat(p.wrapped().provider()).isEqualTo("new");
      }
      try (DataKey k = KmsCalls.await(routing.unwrap(fromOld))) {
        assertThat(hex(k)).isEqualTo(secret);
      }
      assertThat(old.calls("unwrap")).isEqualTo(1);
      old.rotate("pii");
      List<WrappedKey> rewrapped = KmsCalls.await(routing.rewrapAll(List.of(fromOld)));
      assertThat(rewrapped.get(0).provider()).isEqualTo("old");
      assertThat(rewrapped.get(0).masterKeyVersion()).isNotEqualTo(fromOld.masterKeyVersion());

      WrappedKey stranger = new WrappedKey("aws-kms", "pii", "1", "AWS-KMS", new byte[8]);
      assertThatThrownBy(() -> KmsCalls.await(routing.unwrap(stranger)))
          .isInstanceOf(KmsConfigException.class)
          .hasMessageContaining("[aws-kms key 'pii']")
          .hasMessageContaining("pipeseal.kms.providers.NAME.uri");
      assertThatThrownBy(() -> KmsCalls.await(routing.rewrapAll(List.of(fromOld, stranger))))
          .isInstanceOf(KmsConfigException.class);
    }
    assertThat(old.closed).isTrue();
    assertThat(current.closed).isTrue();
  }

  @Test
  void twoProvidersWithOneIdAreRefused() {
    assertThatThrownBy(
            () ->
                new RoutingKms(
                    FakeKms.forProvider("a", "k"), List.of(FakeKms.forProvider("a", "k"))))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("'a'");
  }

  @Test
  void theBridgeKekLayerReadsKeksOfEveryProvider() {
    FakeKms old = FakeKms.forProvider("old", "pii");
    KmsBridgeConfig config = KmsBridgeConfig.defaults(URI.create("fake:///"), Map.of());
    WrappedKey fromOld;
    String secret;
    try (KmsBridge oldBridge =
        KmsBridge.assemble(new RoutingKms(old, List.of()), config, Clock.systemUTC())) {
      try (DataKeyPair p = KmsCalls.await(oldBridge.generateDataKey("pii"))) {
        fromOld = p.wrapped();
        secret = hex(p.plaintext());
      }
    }
    assertThat(fromOld.algorithm()).isEqualTo(KekKms.ALGORITHM);
    FakeKms current = FakeKms.forProvider("new", "pii");
    try (KmsBridge bridge =
        KmsBridge.assemble(new RoutingKms(current, List.of(old)), config, Clock.systemUTC())) {
      try (DataKey k = KmsCalls.await(bridge.unwrap(fromOld))) {
        assertThat(hex(k)).isEqualTo(secret);
      }
      try (DataKeyPair p = KmsCalls.await(bridge.generateDataKey("pii"))) {
        assertThat(p.wrapped().provider()).isEqualTo("new");
      }
      assertThat(bridge.admin("old")).isEmpty();
    }
    // Without the old provider, its KEK-wrapped key fails as a configuration gap, naming it.
    try (KmsBridge bridge =
        KmsBridge.assemble(
            new RoutingKms(FakeKms.forProvider("new", "pii"), List.of()),
            config,
            Clock.systemUTC())) {
      assertThatThrownBy(() -> KmsCalls.await(bridge.unwrap(fromOld)))
          .isInstanceOf(KmsConfigException.class)
          .hasMessageContaining("[old key 'pii']")
          .hasMessageContaining("pipeseal.kms.providers.NAME.uri");
    }
  }

  @Test
  void readersAreParsedFromProvidersDotName() {
    KmsBridgeConfig c =
        KmsBridgeConfig.fromProperties(
            Map.of(
                "pipeseal.kms.uri", "aws-kms://eu-west-1",
                "pipeseal.kms.providers.lake2024.uri", "local:///etc/pipeseal/keys.p12",
                "pipeseal.kms.providers.lake2024.password", "env:KS_PASSWORD"));
    assertThat(c.readers()).hasSize(1);
    assertThat(c.readers().get(0).uri()).isEqualTo(URI.create("local:///etc/pipeseal/keys.p12"));
    assertThat(c.readers().get(0).config()).containsEntry("password", "env:KS_PASSWORD");
    assertThat(c.toString()).doesNotContain("KS_PASSWORD");
    assertThatThrownBy(
            () ->
                KmsBridgeConfig.fromProperties(
                    Map.of(
                        "pipeseal.kms.uri", "local:///k.p12",
                        "pipeseal.kms.providers.x.password", "env:P")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("pipeseal.kms.providers.x.uri");
  }
}
