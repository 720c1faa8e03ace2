package dev.pipeseal.kms.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.secret.SecretSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKmsTest {
  private static final char[] PASSWORD = "correct horse".toCharArray();

  @TempDir Path dir;

  private LocalKms open() {
    return LocalKms.open(dir.resolve("keys.p12"), PASSWORD, true);
  }

  static Throwable failure(java.util.concurrent.CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected failure");
  }

  static byte[] material(DataKey key) {
    return key.withMaterial(byte[]::clone);
  }

  @Test
  void createRotateListDescribe() {
    try (LocalKms kms = open()) {
      assertThat(kms.listKeys()).isEmpty();
      MasterKeyInfo created = kms.createKey("pii");
      assertThat(created)
          .isEqualTo(
              new MasterKeyInfo(
                  "local", "pii", "1", List.of("1"), Map.of("1", created.created().get("1"))));
      kms.createKey("alpha");
      assertThat(kms.rotateKey("pii").currentVersion()).isEqualTo("2");
      assertThat(kms.describe("pii").toCompletableFuture().join().versions())
          .containsExactly("1", "2");
      assertThat(kms.listKeys()).extracting(MasterKeyInfo::name).containsExactly("alpha", "pii");
      assertThatThrownBy(() -> kms.createKey("pii")).isInstanceOf(KmsException.class);
      assertThatThrownBy(() -> kms.createKey("Upper")).isInstanceOf(KmsConfigException.class);
      assertThatThrownBy(() -> kms.rotateKey("nope")).isInstanceOf(UnknownKeyException.class);
      assertThat(failure(kms.describe("nope"))).isInstanceOf(UnknownKeyException.class);
    }
    // Survives reopening: the file is the store.
    try (LocalKms again = LocalKms.open(dir.resolve("keys.p12"), PASSWORD, false)) {
      assertThat(again.listKeys()).hasSize(2);
    }
  }

  @Test
  void generateUnwrapRoundTrip() {
    try (LocalKms kms = open()) {
      kms.createKey("pii");
      try (DataKeyPair pair = kms.generateDataKey("pii").toCompletableFuture().join();
          DataKey back = kms.unwrap(pair.wrapped()).toCompletableFuture().join()) {
        assertThat(pair.wrapped().provider()).isEqualTo("local");
        assertThat(pair.wrapped().algorithm()).isEqualTo("AES256-GCM");
        assertThat(pair.wrapped().masterKeyVersion()).isEqualTo("1");
        assertThat(material(back)).isEqualTo(material(pair.plaintext()));
        assertThat(HexFormat.of().formatHex(pair.wrapped().bytes()))
            .doesNotContain(HexFormat.of().formatHex(material(back)));
      }
    }
  }

  @Test
  void rewrapAfterRotateKeepsDek() {
    try (LocalKms kms = open()) {
      kms.createKey("pii");
      DataKeyPair pair = kms.generateDataKey("pii").toCompletableFuture().join();
      assertThat(kms.rewrap(pair.wrapped()).toCompletableFuture().join()).isSameAs(pair.wrapped());
      kms.rotateKey("pii");
      WrappedKey rewrapped = kms.rewrap(pair.wrapped()).toCompletableFuture().join();
      assertThat(rewrapped.masterKeyVersion()).isEqualTo("2");
      try (DataKey back = kms.unwrap(rewrapped).toCompletableFuture().join();
          DataKey old = kms.unwrap(pair.wrapped()).toCompletableFuture().join()) {
        assertThat(material(back)).isEqualTo(material(pair.plaintext()));
        assertThat(material(old)).isEqualTo(material(pair.plaintext()));
      }
      assertThat(kms.generateDataKey("pii").toCompletableFuture().join().wrapped())
          .extracting(WrappedKey::masterKeyVersion)
          .isEqualTo("2");
      List<WrappedKey> all =
          kms.rewrapAll(List.of(pair.wrapped(), rewrapped)).toCompletableFuture().join();
      assertThat(all).extracting(WrappedKey::masterKeyVersion).containsExactly("2", "2");
      assertThat(all.get(1)).isSameAs(rewrapped);
      pair.close();
    }
  }

  @Test
  void wrongPasswordIsConfigErrorWithoutPassword() {
    try (LocalKms kms = open()) {
      kms.createKey("pii");
    }
    assertThatThrownBy(
            () -> LocalKms.open(dir.resolve("keys.p12"), "wrong-secret".toCharArray(), false))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("could not be opened")
        .message()
        .doesNotContain("wrong-secret")
        .doesNotContain("correct horse");
  }

  @Test
  void missingFileWithoutCreate() {
    assertThatThrownBy(() -> LocalKms.open(dir.resolve("absent.p12"), PASSWORD, false))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("does not exist");
    assertThat(dir.resolve("absent.p12")).doesNotExist();
  }

  @Test
  void unknownKeyAndVersion() {
    try (LocalKms kms = open()) {
      kms.createKey("pii");
      WrappedKey w = kms.generateDataKey("pii").toCompletableFuture().join().wrapped();
      assertThat(failure(kms.generateDataKey("nope"))).isInstanceOf(UnknownKeyException.class);
      WrappedKey badVersion = new WrappedKey("local", "pii", "7", w.algorithm(), w.bytes());
      assertThat(failure(kms.unwrap(badVersion)))
          .isInstanceOf(UnknownKeyException.class)
          .hasMessageContaining("pii")
          .hasMessageContaining("7");
      WrappedKey junkVersion = new WrappedKey("local", "pii", "x", w.algorithm(), w.bytes());
      assertThat(failure(kms.unwrap(junkVersion))).isInstanceOf(UnknownKeyException.class);
      WrappedKey otherName = new WrappedKey("local", "nope", "1", w.algorithm(), w.bytes());
      assertThat(failure(kms.unwrap(otherName))).isInstanceOf(UnknownKeyException.class);
    }
  }

  @Test
  void tamperedTruncatedAndRelabelledKeysAreInvalid() {
    try (LocalKms kms = open()) {
      kms.createKey("pii");
      kms.createKey("other");
      WrappedKey w = kms.generateDataKey("pii").toCompletableFuture().join().wrapped();
      byte[] bytes = w.bytes();
      bytes[20] ^= 1;
      assertThat(failure(kms.unwrap(new WrappedKey("local", "pii", "1", w.algorithm(), bytes))))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("pii")
          .hasMessageContaining("version 1");
      byte[] shortBytes = Arrays.copyOf(w.bytes(), 10);
      assertThat(
              failure(kms.unwrap(new WrappedKey("local", "pii", "1", w.algorithm(), shortBytes))))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("truncated");
      byte[] cut = Arrays.copyOf(w.bytes(), w.bytes().length - 1);
      assertThat(failure(kms.unwrap(new WrappedKey("local", "pii", "1", w.algorithm(), cut))))
          .isInstanceOf(InvalidWrappedKeyException.class);
      // AAD binds the key name: the same bytes under another name do not unwrap.
      assertThat(
              failure(kms.unwrap(new WrappedKey("local", "other", "1", w.algorithm(), w.bytes()))))
          .isInstanceOf(InvalidWrappedKeyException.class);
      assertThat(
              failure(
                  kms.unwrap(new WrappedKey("hadoop-kms", "pii", "1", w.algorithm(), w.bytes()))))
          .isInstanceOf(InvalidWrappedKeyException.class);
      assertThat(failure(kms.unwrap(new WrappedKey("local", "pii", "1", "AES-KW", w.bytes()))))
          .isInstanceOf(InvalidWrappedKeyException.class);
    }
  }

  @Test
  void errorsAndToStringNeverShowKeyBytes() {
    try (LocalKms kms = open()) {
      kms.createKey("pii");
      DataKeyPair pair = kms.generateDataKey("pii").toCompletableFuture().join();
      String hex = HexFormat.of().formatHex(material(pair.plaintext()));
      byte[] bytes = pair.wrapped().bytes();
      bytes[40] ^= 1;
      Throwable t = failure(kms.unwrap(new WrappedKey("local", "pii", "1", "AES256-GCM", bytes)));
      assertThat(t.toString() + pair + pair.wrapped()).doesNotContain(hex);
    }
  }

  @Test
  void concurrentAdminAndReads() throws Exception {
    Path file = dir.resolve("keys.p12");
    try (LocalKms a = LocalKms.open(file, PASSWORD, true);
        LocalKms b = LocalKms.open(file, PASSWORD, false)) {
      a.createKey("shared");
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          int n = i;
          LocalKms admin = n % 2 == 0 ? a : b;
          tasks.add(pool.submit(() -> admin.createKey("k" + n)));
          tasks.add(pool.submit(() -> admin.rotateKey("shared")));
          tasks.add(
              pool.submit(
                  () -> {
                    Kms reader = n % 2 == 0 ? b : a;
                    for (int j = 0; j < 20; j++) {
                      try (DataKeyPair p =
                              reader.generateDataKey("shared").toCompletableFuture().join();
                          DataKey back =
                              (n % 2 == 0 ? a : b)
                                  .unwrap(p.wrapped())
                                  .toCompletableFuture()
                                  .join()) {
                        assertThat(material(back)).isEqualTo(material(p.plaintext()));
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : tasks) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      // No lost update: every rotation and every create landed.
      assertThat(b.describe("shared").toCompletableFuture().join().currentVersion()).isEqualTo("9");
      assertThat(a.listKeys()).hasSize(9);
      try (var files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("keys.p12", "keys.p12.lock");
      }
    }
  }

  @Test
  void serviceOpensByUriWithPasswordFromEnvOrFile() throws Exception {
    Path store = dir.resolve("svc.p12");
    LocalKmsService service =
        new LocalKmsService(
            SecretSource.withEnvironment(n -> n.equals("KS_PASS") ? "correct horse" : null));
    try (Kms kms =
        service.create(
            java.net.URI.create("local://" + store),
            Map.of("password", "env:KS_PASS", "create", "true"))) {
      ((LocalKms) kms).createKey("pii");
    }
    Path passwordFile = dir.resolve("pw.txt");
    Files.writeString(passwordFile, "correct horse\n");
    try (Kms kms =
        service.create(
            java.net.URI.create("local:" + store), Map.of("password", "file:" + passwordFile))) {
      assertThat(kms.describe("pii").toCompletableFuture().join().currentVersion()).isEqualTo("1");
    }
    assertThatThrownBy(
            () ->
                service.create(
                    java.net.URI.create("local:" + store), Map.of("password", "correct horse")))
        .isInstanceOf(KmsConfigException.class)
        .message()
        .doesNotContain("correct horse");
    assertThatThrownBy(
            () ->
                service.create(
                    java.net.URI.create("local:" + store), Map.of("password", "env:NOPE")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("NOPE");
  }

  @Test
  void registeredForLocalScheme() {
    assertThat(new LocalKmsService().supports(java.net.URI.create("local:///x.p12"))).isTrue();
    assertThat(new LocalKmsService().supports(java.net.URI.create("kms://http@h:1/kms"))).isFalse();
    assertThatThrownBy(
            () ->
                KmsProviders.open(
                    "local:///" + dir + "/x.p12", Map.of("password", "env:UNSET_X_Y")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("UNSET_X_Y");
  }

  @Test
  void unknownSettingRejectedWithNearestName() {
    assertThatThrownBy(
            () ->
                KmsProviders.open("local:///" + dir + "/x.p12", Map.of("passwrd", "env:UNSET_X_Y")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("unknown property 'passwrd'")
        .hasMessageContaining("nearest valid name: 'password'");
  }

  @Test
  void uriForms() {
    assertThat(LocalKmsService.path(java.net.URI.create("local:///abs/keys.p12")))
        .isEqualTo(Path.of("/abs/keys.p12"));
    assertThat(LocalKmsService.path(java.net.URI.create("local:rel/keys.p12")))
        .isEqualTo(Path.of("rel/keys.p12"));
    assertThatThrownBy(() -> LocalKmsService.path(java.net.URI.create("local://host/keys.p12")))
        .isInstanceOf(KmsConfigException.class);
  }
}
