package dev.pipeseal.kms.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.testing.MotoServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/** The provider against a real moto_server child process. */
class AwsKmsTest {
  @TempDir static Path dir;
  static MotoServer moto;
  static Map<String, String> settings;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = Moto.start(dir);
    settings = Moto.settings(moto, dir);
  }

  @AfterAll
  static void stopMoto() {
    if (moto != null) {
      moto.close();
    }
  }

  static AwsKms open() {
    return (AwsKms) KmsProviders.open("aws-kms://" + Moto.REGION, settings);
  }

  static String hex(DataKey key) {
    return HexFormat.of().formatHex(key.withMaterial(byte[]::clone));
  }

  @Test
  void wrapsAnExistingKeyWithEncryptSoThatUnwrapAndRewrapTakeIt() {
    try (AwsKms kms = open();
        DataKey existing = DataKey.generate()) {
      kms.createKey("moved");
      WrappedKey w = KmsCalls.await(kms.wrap(existing, "moved"));
      assertThat(w.provider()).isEqualTo("aws-kms");
      assertThat(w.masterKeyName()).isEqualTo("moved");
      assertThat(w.masterKeyVersion()).isEqualTo("1");
      assertThat(w.algorithm()).isEqualTo(AwsKms.ALGORITHM);
      try (DataKey back = KmsCalls.await(kms.unwrap(w))) {
        assertThat(hex(back)).isEqualTo(hex(existing));
      }
      kms.rotateKey("moved");
      WrappedKey rewrapped = KmsCalls.await(kms.rewrap(w));
      try (DataKey back = KmsCalls.await(kms.unwrap(rewrapped))) {
        assertThat(hex(back)).isEqualTo(hex(existing));
      }
      assertThat(existing.isDestroyed()).as("the caller still owns the key").isFalse();
      assertThatThrownBy(() -> KmsCalls.await(kms.wrap(existing, "never-created")))
          .isInstanceOf(UnknownKeyException.class)
          .hasMessageContaining("[aws-kms key 'never-created']");
    }
  }

  @Test
  void generatesUnwrapsAndDescribesThroughServiceLoader() {
    try (AwsKms kms = open()) {
      MasterKeyInfo created = kms.createKey("rt");
      assertThat(created.currentVersion()).isEqualTo("1");
      try (DataKeyPair pair = KmsCalls.await(kms.generateDataKey("rt"))) {
        WrappedKey w = pair.wrapped();
        assertThat(w.provider()).isEqualTo("aws-kms");
        assertThat(w.masterKeyName()).isEqualTo("rt");
        assertThat(w.masterKeyVersion()).isEqualTo("1");
        assertThat(w.algorithm()).isEqualTo(AwsKms.ALGORITHM);
        assertThat(w.toString()).doesNotContain(hex(pair.plaintext()));
        try (DataKey back = KmsCalls.await(kms.unwrap(w))) {
          assertThat(hex(back)).isEqualTo(hex(pair.plaintext()));
        }
        // Also by alias/NAME: the same key, but the context binds the name as recorded.
        WrappedKey byAlias =
            new WrappedKey("aws-kms", "alias/rt", "1", AwsKms.ALGORITHM, w.bytes());
        assertThatThrownBy(() -> KmsCalls.await(kms.unwrap(byAlias)))
            .isInstanceOf(InvalidWrappedKeyException.class)
            .hasMessageContaining("aws-kms")
            .hasMessageContaining("alias/rt")
            .hasMessageContaining("encryption context");
      }
      assertThat(KmsCalls.await(kms.describe("rt")).name()).isEqualTo("rt");
      assertThat(kms.listKeys()).extracting(MasterKeyInfo::name).contains("rt");
      assertThat(kms.automaticRotationEnabled("rt")).isFalse();
    }
  }

  @Test
  void onDemandRotationThenRewrapKeepsTheDek() {
    try (AwsKms kms = open()) {
      kms.createKey("rot");
      try (DataKeyPair pair = KmsCalls.await(kms.generateDataKey("rot"))) {
        WrappedKey v1 = pair.wrapped();
        assertThat(KmsCalls.await(kms.rewrap(v1))).isSameAs(v1);
        MasterKeyInfo rotated = kms.rotateKey("rot");
        assertThat(rotated.currentVersion()).isEqualTo("2");
        assertThat(rotated.versions()).containsExactly("1", "2");
        // Creation times come from DescribeKey (version 1) and ListKeyRotations (version 2).
        assertThat(rotated.createdAt("1")).isPresent();
        assertThat(rotated.createdAt("2").orElseThrow())
            .isAfterOrEqualTo(rotated.createdAt("1").orElseThrow());
        WrappedKey v2 = KmsCalls.await(kms.rewrap(v1));
        assertThat(v2.masterKeyVersion()).isEqualTo("2");
        assertThat(v2.bytes()).isNotEqualTo(v1.bytes());
        try (DataKey a = KmsCalls.await(kms.unwrap(v1));
            DataKey b = KmsCalls.await(kms.unwrap(v2))) {
          assertThat(hex(a)).isEqualTo(hex(pair.plaintext())).isEqualTo(hex(b));
        }
        List<WrappedKey> batch = KmsCalls.await(kms.rewrapAll(List.of(v1, v2)));
        assertThat(batch.get(1)).isSameAs(v2);
        assertThat(batch.get(0).masterKeyVersion()).isEqualTo("2");
        // A generate right after the rotation may lag by the version cache, never lead.
        try (DataKeyPair next = KmsCalls.await(kms.generateDataKey("rot"))) {
          assertThat(next.wrapped().masterKeyVersion()).isEqualTo("2");
        }
      }
    }
  }

  @Test
  void unknownAndDeletedKeysFailTypedAndNamed() {
    try (AwsKms kms = open()) {
      assertThatThrownBy(() -> KmsCalls.await(kms.generateDataKey("no-such-key")))
          .isInstanceOf(UnknownKeyException.class)
          .hasMessageContaining("[aws-kms key 'no-such-key']");
      assertThatThrownBy(() -> KmsCalls.await(kms.describe("no-such-key")))
          .isInstanceOf(UnknownKeyException.class);

      kms.createKey("doomed");
      WrappedKey w;
      try (DataKeyPair pair = KmsCalls.await(kms.generateDataKey("doomed"))) {
        w = pair.wrapped();
      }
      try (KmsClient admin = rawClient()) {
        String arn = admin.describeKey(b -> b.keyId("alias/doomed")).keyMetadata().keyId();
        admin.scheduleKeyDeletion(b -> b.keyId(arn).pendingWindowInDays(7));
        // Fresh provider: no cached version of the key.
        try (AwsKms fresh = open()) {
          assertThatThrownBy(() -> KmsCalls.await(fresh.generateDataKey("doomed")))
              .isInstanceOf(UnknownKeyException.class)
              .hasMessageContaining("'doomed'")
              .hasMessageContaining("scheduled for deletion");
          assertThatThrownBy(() -> KmsCalls.await(fresh.rewrap(w)))
              .isInstanceOf(UnknownKeyException.class);
        }
        admin.cancelKeyDeletion(b -> b.keyId(arn));
        admin.disableKey(b -> b.keyId(arn));
        try (AwsKms fresh = open()) {
          assertThatThrownBy(() -> KmsCalls.await(fresh.generateDataKey("doomed")))
              .isInstanceOf(AccessDeniedException.class)
              .hasMessageContaining("disabled");
        }
      }
    }
  }

  @Test
  void tamperedOrForeignWrappedKeysAreRefusedBeforeOrByKms() {
    try (AwsKms kms = open()) {
      kms.createKey("t1");
      kms.createKey("t2");
      try (DataKeyPair pair = KmsCalls.await(kms.generateDataKey("t1"))) {
        byte[] bytes = pair.wrapped().bytes();
        bytes[bytes.length - 1] ^= 1;
        WrappedKey flipped = new WrappedKey("aws-kms", "t1", "1", AwsKms.ALGORITHM, bytes);
        assertThatThrownBy(() -> KmsCalls.await(kms.unwrap(flipped)))
            .isInstanceOf(InvalidWrappedKeyException.class)
            .hasMessageContaining("'t1'");
        // Claims another master key: KMS refuses (key mismatch or context).
        WrappedKey moved =
            new WrappedKey("aws-kms", "t2", "1", AwsKms.ALGORITHM, pair.wrapped().bytes());
        assertThatThrownBy(() -> KmsCalls.await(kms.unwrap(moved)))
            .isInstanceOf(KmsException.class)
            .isNotInstanceOf(KmsUnavailableException.class)
            .hasMessageContaining("'t2'");
      }
      WrappedKey foreign = new WrappedKey("local", "t1", "1", "AES256-GCM", new byte[60]);
      assertThatThrownBy(() -> KmsCalls.await(kms.unwrap(foreign)))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("provider 'local'");
    }
  }

  @Test
  void wrongRegionArnAndMissingCredentialsAreConfigErrors() {
    try (AwsKms kms = open()) {
      String arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      assertThatThrownBy(() -> KmsCalls.await(kms.generateDataKey(arn)))
          .isInstanceOf(KmsConfigException.class)
          .hasMessageContaining(arn)
          .hasMessageContaining("eu-west-1")
          .hasMessageContaining("us-east-1");
    }
    Map<String, String> noSecret = new java.util.HashMap<>(settings);
    noSecret.put("secret-access-key", "env:PIPESEAL_TEST_NO_SUCH_VARIABLE");
    assertThatThrownBy(() -> KmsProviders.open("aws-kms://us-east-1", noSecret))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("aws-kms")
        .hasMessageContaining("secret-access-key");
  }

  static KmsClient rawClient() {
    return KmsClient.builder()
        .region(Region.of(Moto.REGION))
        .endpointOverride(moto.endpoint())
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")))
        .httpClientBuilder(
            software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
        .build();
  }

  @Test
  void serviceIsFoundByScheme() {
    Kms kms = KmsProviders.open(URI.create("aws-kms://" + Moto.REGION), settings);
    try (kms) {
      assertThat(kms).isInstanceOf(AwsKms.class);
      assertThat(kms).isInstanceOf(KmsAdmin.class);
    }
  }
}
