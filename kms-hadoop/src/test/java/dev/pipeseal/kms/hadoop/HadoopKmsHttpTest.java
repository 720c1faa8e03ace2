package dev.pipeseal.kms.hadoop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.testing.HadoopKmsServer;
import dev.pipeseal.kms.testing.HadoopKmsServer.KeyOp;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.hadoop.crypto.key.kms.LoadBalancingKMSClientProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The provider against one real Hadoop KMS over HTTP (started once for the class). */
class HadoopKmsHttpTest {
  private static HadoopKmsServer server;
  private static Kms kms;

  @BeforeAll
  static void start() {
    server = HadoopKmsServer.builder().keyAcl("restricted", KeyOp.DECRYPT_EEK, "alice").start();
    server.createKey("pii");
    server.createKey("rolling");
    server.createKey("batch-a");
    server.createKey("batch-b");
    server.createKey("restricted");
    kms = new HadoopKmsService().create(server.uri(), Map.of());
  }

  @AfterAll
  static void stop() {
    if (kms != null) {
      kms.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void generatedKeyUnwrapsToTheSameBytes() {
    try (DataKeyPair pair = join(kms.generateDataKey("pii"));
        DataKey unwrapped = join(kms.unwrap(pair.wrapped()))) {
      WrappedKey w = pair.wrapped();
      assertThat(w.provider()).isEqualTo("hadoop-kms");
      assertThat(w.masterKeyName()).isEqualTo("pii");
      assertThat(w.masterKeyVersion()).isEqualTo("pii@0");
      assertThat(w.algorithm()).isEqualTo("HADOOP-EEK-AES-CTR");
      assertThat(w.bytes()).hasSize(4 + 16 + 32);
      assertThat(material(unwrapped)).isEqualTo(material(pair.plaintext()));
    }
  }

  @Test
  void uriWithHostsUsesHadoopsLoadBalancingProvider() {
    assertThat(((HadoopKms) kms).keyProvider()).isInstanceOf(LoadBalancingKMSClientProvider.class);
  }

  @Test
  void rolledKeyRewrapsToTheNewVersionWithTheSameDek() {
    DataKeyPair old = join(kms.generateDataKey("rolling"));
    DataKeyPair old2 = join(kms.generateDataKey("rolling"));
    String oldVersion = old.wrapped().masterKeyVersion();
    assertThat(join(kms.rewrap(old.wrapped()))).isSameAs(old.wrapped());

    String newVersion = server.rollNewVersion("rolling");
    assertThat(newVersion).isNotEqualTo(oldVersion);

    WrappedKey one = join(kms.rewrap(old.wrapped()));
    List<WrappedKey> all = join(kms.rewrapAll(List.of(old.wrapped(), old2.wrapped())));

    assertThat(one.masterKeyVersion()).isEqualTo(newVersion);
    assertThat(all).extracting(WrappedKey::masterKeyVersion).containsOnly(newVersion);
    try (DataKey a = join(kms.unwrap(one));
        DataKey b = join(kms.unwrap(all.get(0)));
        DataKey c = join(kms.unwrap(all.get(1)));
        DataKey stillOld = join(kms.unwrap(old.wrapped()))) {
      assertThat(material(a)).isEqualTo(material(old.plaintext()));
      assertThat(material(b)).isEqualTo(material(old.plaintext()));
      assertThat(material(c)).isEqualTo(material(old2.plaintext()));
      assertThat(material(stillOld)).isEqualTo(material(old.plaintext()));
    }
    old.close();
    old2.close();
  }

  @Test
  void rewrapAllKeepsOrderAcrossMasterKeys() {
    DataKeyPair a = join(kms.generateDataKey("batch-a"));
    DataKeyPair b = join(kms.generateDataKey("batch-b"));
    DataKeyPair a2 = join(kms.generateDataKey("batch-a"));
    String newA = server.rollNewVersion("batch-a");

    List<WrappedKey> out = join(kms.rewrapAll(List.of(a.wrapped(), b.wrapped(), a2.wrapped())));

    assertThat(out.get(0).masterKeyVersion()).isEqualTo(newA);
    assertThat(out.get(1)).isSameAs(b.wrapped()); // already current
    assertThat(out.get(2).masterKeyVersion()).isEqualTo(newA);
    try (DataKey x = join(kms.unwrap(out.get(2)))) {
      assertThat(material(x)).isEqualTo(material(a2.plaintext()));
    }
    List.of(a, b, a2).forEach(DataKeyPair::close);
  }

  @Test
  void describeAndAdminOperations() {
    KmsAdmin admin = (KmsAdmin) kms;
    MasterKeyInfo created = admin.createKey("admin-made");
    assertThat(created.currentVersion()).isEqualTo("admin-made@0");

    MasterKeyInfo rotated = admin.rotateKey("admin-made");
    assertThat(rotated.currentVersion()).isEqualTo("admin-made@1");
    assertThat(rotated.versions()).containsExactly("admin-made@0", "admin-made@1");

    MasterKeyInfo described = join(kms.describe("admin-made"));
    assertThat(described).isEqualTo(rotated);
    assertThat(admin.listKeys())
        .extracting(MasterKeyInfo::name)
        .contains("admin-made", "pii")
        .isSorted();
    try (DataKeyPair pair = join(kms.generateDataKey("admin-made"))) {
      assertThat(pair.wrapped().masterKeyVersion()).isEqualTo("admin-made@1");
    }
    assertThatThrownBy(() -> admin.createKey("admin-made"))
        .isInstanceOf(KmsException.class)
        .hasMessageContaining("admin-made");
  }

  @Test
  void aclDeniesDecryptForOtherUsers() {
    try (Kms mallory = new HadoopKmsService().create(server.uri(), Map.of("user", "mallory"));
        Kms alice = new HadoopKmsService().create(server.uri(), Map.of("user", "alice"))) {
      // generateDataKey also decrypts the EEK, so it needs DECRYPT_EEK as well.
      assertThat(failure(mallory.generateDataKey("restricted")))
          .isInstanceOf(AccessDeniedException.class);
      DataKeyPair pair = join(alice.generateDataKey("restricted"));
      pair.close();
      assertThat(failure(mallory.unwrap(pair.wrapped())))
          .isInstanceOf(AccessDeniedException.class)
          .hasMessageContaining("hadoop-kms")
          .hasMessageContaining("restricted")
          .satisfies(e -> assertThat(((KmsException) e).keyName()).isEqualTo("restricted"));
      try (DataKey dek = join(alice.unwrap(pair.wrapped()))) {
        assertThat(dek.isDestroyed()).isFalse();
      }
    }
  }

  @Test
  void unknownKeysAreTyped() {
    assertThat(failure(kms.generateDataKey("no-such-key")))
        .isInstanceOf(UnknownKeyException.class)
        .hasMessageContaining("no-such-key");
    assertThat(failure(kms.describe("no-such-key"))).isInstanceOf(UnknownKeyException.class);
    try (DataKeyPair pair = join(kms.generateDataKey("pii"))) {
      WrappedKey missingVersion =
          new WrappedKey(
              "hadoop-kms", "pii", "pii@42", pair.wrapped().algorithm(), pair.wrapped().bytes());
      assertThat(failure(kms.unwrap(missingVersion)))
          .isInstanceOf(UnknownKeyException.class)
          .hasMessageContaining("pii");
    }
  }

  @Test
  void malformedWrappedKeysAreRejectedBeforeAnyCall() {
    try (DataKeyPair pair = join(kms.generateDataKey("pii"))) {
      WrappedKey w = pair.wrapped();
      byte[] truncated = java.util.Arrays.copyOf(w.bytes(), w.bytes().length - 1);
      assertThat(failure(kms.unwrap(withBytes(w, truncated))))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("pii");
      byte[] badVersion = w.bytes();
      badVersion[0] = 9;
      assertThat(failure(kms.rewrap(withBytes(w, badVersion))))
          .isInstanceOf(InvalidWrappedKeyException.class);
      WrappedKey otherKeysVersion =
          new WrappedKey("hadoop-kms", "pii", "rolling@0", w.algorithm(), w.bytes());
      assertThat(failure(kms.unwrap(otherKeysVersion)))
          .isInstanceOf(InvalidWrappedKeyException.class);
    }
  }

  @Test
  void flippedMaterialBitIsNotDetectedByAesCtrButGivesAnotherDek() {
    try (DataKeyPair pair = join(kms.generateDataKey("pii"))) {
      byte[] flipped = pair.wrapped().bytes();
      flipped[flipped.length - 1] ^= 1;
      try (DataKey wrong = join(kms.unwrap(withBytes(pair.wrapped(), flipped)))) {
        // Unauthenticated AES-CTR: the data's GCM tag is what catches this, later.
        assertThat(material(wrong)).isNotEqualTo(material(pair.plaintext()));
      }
    }
  }

  private static WrappedKey withBytes(WrappedKey w, byte[] bytes) {
    return new WrappedKey(
        w.provider(), w.masterKeyName(), w.masterKeyVersion(), w.algorithm(), bytes);
  }

  static byte[] material(DataKey key) {
    return key.withMaterial(byte[]::clone);
  }

  static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  static Throwable failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected the call to fail");
  }
}
