package dev.pipeseal.kms.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.VersionRetirement;
import dev.pipeseal.kms.WrappedKey;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real SoftHSM2 token. */
class Pkcs11KmsTest {
  private static Pkcs11Kms kms;
  private static int names;

  @BeforeAll
  static void open() {
    SoftHsm.Setup hsm = SoftHsm.require();
    kms = (Pkcs11Kms) KmsProviders.open("pkcs11:token=pipeseal", hsm.config("pipeseal"));
  }

  @AfterAll
  static void close() {
    if (kms != null) {
      kms.close();
    }
  }

  private static synchronized String newKey() {
    String name = "key-" + (++names);
    MasterKeyInfo info = kms.createKey(name);
    assertThat(info.currentVersion()).isEqualTo("1");
    return name;
  }

  static <T> T join(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e;
    }
  }

  private static byte[] material(DataKey key) {
    return key.withMaterial(byte[]::clone);
  }

  @Test
  void retiredVersionIsDestroyedOnTheToken() {
    String name = newKey();
    VersionRetirement retire = kms.capability(VersionRetirement.class).orElseThrow();
    WrappedKey old;
    try (DataKeyPair pair = join(kms.generateDataKey(name))) {
      old = pair.wrapped();
    }
    assertThatThrownBy(() -> retire.retireVersion(name, "1"))
        .isInstanceOf(KmsException.class)
        .hasMessageContaining("current version");
    kms.rotateKey(name);
    assertThat(retire.retireVersion(name, "1").versions()).containsExactly("2");
    assertThatThrownBy(() -> join(kms.unwrap(old)))
        .isInstanceOf(UnknownKeyException.class)
        .hasMessageContaining("version 1 does not exist");
    // PKCS#11 token objects carry no creation time SunPKCS11 exposes: the age stays unknown.
    assertThat(join(kms.describe(name)).createdAt("2")).isEmpty();
    assertThat(kms.rotateKey(name).currentVersion()).isEqualTo("3");
  }

  @Test
  void wrapsAndUnwrapsInsideTheHsm() {
    String name = newKey();
    try (DataKeyPair pair = join(kms.generateDataKey(name))) {
      WrappedKey w = pair.wrapped();
      assertThat(w.provider()).isEqualTo("pkcs11");
      assertThat(w.masterKeyName()).isEqualTo(name);
      assertThat(w.masterKeyVersion()).isEqualTo("1");
      assertThat(w.algorithm()).isEqualTo("PKCS11-AES256-GCM");
      assertThat(w.bytes()).hasSize(12 + 32 + 16);
      try (DataKey unwrapped = join(kms.unwrap(w))) {
        assertThat(material(unwrapped)).isEqualTo(material(pair.plaintext()));
      }
      // Fresh nonce per wrap.
      try (DataKeyPair other = join(kms.generateDataKey(name))) {
        assertThat(Arrays.copyOf(other.wrapped().bytes(), 12))
            .isNotEqualTo(Arrays.copyOf(w.bytes(), 12));
      }
    }
  }

  @Test
  void masterKeysAreSensitiveAndNotExtractable() throws Exception {
    String name = newKey();
    SecretKey key = kms.masterKey(name, 1);
    assertThat(key.getEncoded()).isNull();
    assertThat(key.toString())
        .contains("token object")
        .contains("sensitive")
        .contains("unextractable");
    SecretKeyFactory factory = SecretKeyFactory.getInstance("AES", kms.provider());
    assertThatThrownBy(() -> factory.getKeySpec(key, SecretKeySpec.class))
        .isInstanceOf(Exception.class);
  }

  @Test
  void rotationKeepsOldVersionsAndRewrapMovesToCurrent() {
    String name = newKey();
    DataKeyPair v1 = join(kms.generateDataKey(name));
    MasterKeyInfo rotated = kms.rotateKey(name);
    assertThat(rotated.currentVersion()).isEqualTo("2");
    assertThat(rotated.versions()).containsExactly("1", "2");
    assertThat(join(kms.describe(name))).isEqualTo(rotated);

    try (DataKeyPair v2 = join(kms.generateDataKey(name))) {
      assertThat(v2.wrapped().masterKeyVersion()).isEqualTo("2");
      // Already current: returned as is.
      assertThat(join(kms.rewrap(v2.wrapped()))).isSameAs(v2.wrapped());
    }
    try (DataKey old = join(kms.unwrap(v1.wrapped()))) {
      assertThat(material(old)).isEqualTo(material(v1.plaintext()));
    }
    WrappedKey rewrapped = join(kms.rewrap(v1.wrapped()));
    assertThat(rewrapped.masterKeyVersion()).isEqualTo("2");
    assertThat(rewrapped.bytes()).isNotEqualTo(v1.wrapped().bytes());
    try (DataKey again = join(kms.unwrap(rewrapped))) {
      assertThat(material(again)).isEqualTo(material(v1.plaintext()));
    }
    List<WrappedKey> batch = join(kms.rewrapAll(List.of(v1.wrapped(), rewrapped)));
    assertThat(batch.get(0).masterKeyVersion()).isEqualTo("2");
    assertThat(batch.get(1)).isSameAs(rewrapped);
    v1.close();

    assertThat(kms.listKeys()).extracting(MasterKeyInfo::name).contains(name);
  }

  @Test
  void tamperedMislabelledOrForeignKeysFailClosed() {
    String name = newKey();
    WrappedKey w;
    try (DataKeyPair pair = join(kms.generateDataKey(name))) {
      w = pair.wrapped();
    }
    byte[] flipped = w.bytes();
    flipped[20] ^= 1;
    WrappedKey tampered =
        new WrappedKey(w.provider(), name, w.masterKeyVersion(), w.algorithm(), flipped);
    assertThatThrownBy(() -> join(kms.unwrap(tampered)))
        .isInstanceOf(InvalidWrappedKeyException.class)
        .hasMessageContaining(name)
        .hasMessageContaining("pkcs11");

    // Claims another key's identity: the AAD no longer matches.
    String other = newKey();
    WrappedKey moved = new WrappedKey(w.provider(), other, "1", w.algorithm(), w.bytes());
    assertThatThrownBy(() -> join(kms.unwrap(moved)))
        .isInstanceOf(InvalidWrappedKeyException.class);

    kms.rotateKey(name);
    WrappedKey relabelled = new WrappedKey(w.provider(), name, "2", w.algorithm(), w.bytes());
    assertThatThrownBy(() -> join(kms.unwrap(relabelled)))
        .isInstanceOf(InvalidWrappedKeyException.class);

    assertThatThrownBy(
            () -> join(kms.unwrap(new WrappedKey("local", name, "1", w.algorithm(), w.bytes()))))
        .isInstanceOf(InvalidWrappedKeyException.class);
    assertThatThrownBy(
            () -> join(kms.unwrap(new WrappedKey("pkcs11", name, "1", "AES256-GCM", w.bytes()))))
        .isInstanceOf(InvalidWrappedKeyException.class);
    assertThatThrownBy(
            () -> join(kms.unwrap(new WrappedKey("pkcs11", name, "1", w.algorithm(), new byte[5]))))
        .isInstanceOf(InvalidWrappedKeyException.class);
    assertThatThrownBy(
            () -> join(kms.unwrap(new WrappedKey("pkcs11", name, "9", w.algorithm(), w.bytes()))))
        .isInstanceOf(UnknownKeyException.class)
        .hasMessageContaining(name);
    assertThatThrownBy(() -> join(kms.generateDataKey("no-such-key")))
        .isInstanceOf(UnknownKeyException.class)
        .hasMessageContaining("no-such-key");
    assertThatThrownBy(() -> kms.rotateKey("no-such-key")).isInstanceOf(UnknownKeyException.class);
    assertThatThrownBy(() -> kms.createKey(name))
        .isInstanceOf(KmsException.class)
        .hasMessageContaining("already exists");
    assertThatThrownBy(() -> kms.createKey("bad name#1")).isInstanceOf(KmsException.class);
  }

  @Test
  void aStaleInstanceNeverRewrapsToAnOlderVersion() {
    String name = newKey();
    java.util.Map<String, String> config =
        new java.util.HashMap<>(SoftHsm.require().config("pipeseal"));
    // "refreshSeconds" is the deprecated name of "refresh"; this keeps it working.
    config.put("refreshSeconds", "3600");
    try (Kms stale = KmsProviders.open("pkcs11:token=pipeseal", config)) {
      assertThat(join(stale.describe(name)).currentVersion()).isEqualTo("1");
      kms.rotateKey(name); // "another process"
      try (DataKeyPair v2 = join(kms.generateDataKey(name))) {
        assertThat(join(stale.rewrap(v2.wrapped()))).isSameAs(v2.wrapped());
        try (DataKey k = join(stale.unwrap(v2.wrapped()))) {
          assertThat(material(k)).isEqualTo(material(v2.plaintext()));
        }
      }
      // Its cached catalog still serves version 1 until the refresh interval; that is safe.
      try (DataKeyPair fromStale = join(stale.generateDataKey(name))) {
        assertThat(join(kms.rewrap(fromStale.wrapped())).masterKeyVersion()).isEqualTo("2");
      }
    }
  }

  @Test
  void manyThreadsShareTheProviderSafely() throws Exception {
    String name = newKey();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        futures.add(
            pool.submit(
                () -> {
                  List<CompletableFuture<Boolean>> checks = new ArrayList<>();
                  for (int i = 0; i < 40; i++) {
                    checks.add(
                        kms.generateDataKey(name)
                            .thenCompose(
                                pair ->
                                    kms.unwrap(pair.wrapped())
                                        .thenApply(
                                            k -> {
                                              boolean same =
                                                  Arrays.equals(
                                                      material(k), material(pair.plaintext()));
                                              k.close();
                                              pair.close();
                                              return same;
                                            }))
                            .toCompletableFuture());
                  }
                  for (CompletableFuture<Boolean> c : checks) {
                    assertThat(c.join()).isTrue();
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void keysOutliveTheProviderInstance() {
    SoftHsm.Setup hsm = SoftHsm.require();
    WrappedKey w;
    byte[] plain;
    try (Kms first =
        KmsProviders.open("pkcs11:token=pipeseal-reopen", hsm.config("pipeseal-reopen"))) {
      ((KmsAdmin) first).createKey("durable");
      try (DataKeyPair pair = join(first.generateDataKey("durable"))) {
        w = pair.wrapped();
        plain = material(pair.plaintext());
      }
    }
    // By slot id this time, without the label lookup.
    long slot = hsm.slots().get("pipeseal-reopen");
    try (Kms second =
        KmsProviders.open(
            URI.create("pkcs11:slot-id=" + slot),
            java.util.Map.of(
                Pkcs11Config.LIBRARY.name(),
                hsm.library().toString(),
                Pkcs11Config.PIN.name(),
                "file:" + hsm.pinFile()))) {
      try (DataKey k = join(second.unwrap(w))) {
        assertThat(material(k)).isEqualTo(plain);
      }
      assertThat(((KmsAdmin) second).listKeys())
          .extracting(MasterKeyInfo::name)
          .containsExactly("durable");
    }
  }
}
