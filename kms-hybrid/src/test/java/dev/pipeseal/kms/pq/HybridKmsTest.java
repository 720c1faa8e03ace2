package dev.pipeseal.kms.pq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.RecipientAdmin;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HybridKmsTest {
  @TempDir Path dir;
  private HybridFixture fx;
  private HybridKms admin; // holds data-team and break-glass private keys
  private HybridKms writer; // public keys only

  @BeforeEach
  void setUp() {
    fx = new HybridFixture(dir);
    admin = fx.reader("admin");
    admin.createKey("data-team");
    admin.createKey("break-glass");
    writer = fx.writer();
  }

  @AfterEach
  void tearDown() {
    admin.close();
    writer.close();
  }

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      throw (RuntimeException) e.getCause();
    }
  }

  static byte[] material(DataKey key) {
    return key.withMaterial(byte[]::clone);
  }

  @Test
  void recipientAdministrationIsACapabilityOfTheSpi() {
    KmsAdmin asAdmin = writer; // what an admin tool holds: SPI types only
    RecipientAdmin recipients = asAdmin.capability(RecipientAdmin.class).orElseThrow();
    assertThat(recipients.exportPublic("data-team").orElseThrow())
        .startsWith("{\"v\":1,\"recipient\":\"data-team\",\"version\":\"1\"")
        .doesNotContain("private");
    assertThat(recipients.fingerprint("break-glass").orElseThrow()).matches("[0-9a-f]{16}");
    assertThat(recipients.exportPublic("nobody")).isEmpty();
    assertThat(recipients.fingerprint("nobody")).isEmpty();
    // A capability the provider does not offer is empty, not an error.
    assertThat(asAdmin.capability(Runnable.class)).isEmpty();
  }

  @Test
  void writerWrapsReaderUnwraps() {
    try (DataKeyPair pair = await(writer.generateDataKey("data-team"))) {
      WrappedKey w = pair.wrapped();
      assertThat(w.provider()).isEqualTo("hybrid");
      assertThat(w.algorithm()).isEqualTo("XWING-AES256-GCM");
      assertThat(w.masterKeyVersion()).isEqualTo("1");
      assertThat(w.bytes()).hasSize(3 + 1 + 9 + 4 + 1120 + 48 + 32);
      try (DataKey dek = await(admin.unwrap(w))) {
        assertThat(material(dek)).isEqualTo(material(pair.plaintext()));
      }
      // The binary record stays far below WrappedKeyCodec's 65535-byte limit.
      assertThat(WrappedKeyCodec.fromBinary(WrappedKeyCodec.toBinary(w))).isEqualTo(w);
    }
  }

  @Test
  void writerOnlyCannotUnwrap() {
    try (DataKeyPair pair = await(writer.generateDataKey("data-team+break-glass"))) {
      assertThat(writer.writeOnly()).isTrue();
      assertThatThrownBy(() -> await(writer.unwrap(pair.wrapped())))
          .isInstanceOf(NoPrivateKeyException.class)
          .hasMessageContaining("[hybrid key 'data-team+break-glass']")
          .hasMessageContaining("no private key for recipient data-team@1, break-glass@1")
          .hasMessageContaining("write-only producer");
    }
  }

  @Test
  void everyRecipientOfASetCanUnwrap() {
    try (DataKeyPair pair = await(writer.generateDataKey("data-team+break-glass"))) {
      assertThat(pair.wrapped().masterKeyVersion()).isEqualTo("1+1");
      try (DataKey dek = await(admin.unwrap(pair.wrapped()))) {
        assertThat(material(dek)).isEqualTo(material(pair.plaintext()));
      }
      // Each recipient alone: drop one stanza's private key by using a store with only the other.
      for (String only : List.of("data-team", "break-glass")) {
        try (HybridKms one = storeWithOnly(only)) {
          try (DataKey dek = await(one.unwrap(pair.wrapped()))) {
            assertThat(material(dek)).isEqualTo(material(pair.plaintext()));
          }
        }
      }
    }
  }

  /** A reader whose store holds only {@code recipient}'s key (a copy of the admin's entry). */
  private HybridKms storeWithOnly(String recipient) {
    try {
      Path src = dir.resolve("admin.p12");
      Path dst = dir.resolve("only-" + recipient + ".p12");
      java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
      try (var in = Files.newInputStream(src)) {
        ks.load(in, "pw-admin".toCharArray());
      }
      java.security.KeyStore fresh = java.security.KeyStore.getInstance("PKCS12");
      fresh.load(null, null);
      char[] pw = ("pw-only-" + recipient).toCharArray();
      for (String alias : java.util.Collections.list(ks.aliases())) {
        if (alias.startsWith(recipient + "#")) {
          fresh.setEntry(
              alias,
              ks.getEntry(
                  alias, new java.security.KeyStore.PasswordProtection("pw-admin".toCharArray())),
              new java.security.KeyStore.PasswordProtection(pw));
        }
      }
      try (var out = Files.newOutputStream(dst)) {
        fresh.store(out, pw);
      }
      return fx.reader("only-" + recipient);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void wrongRecipientGetsTypedError() {
    try (HybridKms other = fx.reader("other")) {
      other.createKey("partner");
      try (DataKeyPair pair = await(writer.generateDataKey("data-team"))) {
        assertThatThrownBy(() -> await(other.unwrap(pair.wrapped())))
            .isInstanceOf(NoPrivateKeyException.class)
            .hasMessageContaining("no private key for recipient data-team@1")
            .satisfies(
                e -> assertThat(((NoPrivateKeyException) e).recipients()).isEqualTo("data-team@1"));
      }
    }
  }

  @Test
  void everySingleByteMutationIsRejected() {
    try (DataKeyPair pair = await(writer.generateDataKey("data-team+break-glass"))) {
      WrappedKey w = pair.wrapped();
      byte[] bytes = w.bytes();
      for (int i = 0; i < bytes.length; i++) {
        byte[] bad = bytes.clone();
        bad[i] ^= (byte) (1 << (i % 8));
        WrappedKey tampered =
            new WrappedKey(
                w.provider(), w.masterKeyName(), w.masterKeyVersion(), w.algorithm(), bad);
        int at = i;
        assertThatThrownBy(() -> await(admin.unwrap(tampered)))
            .as("byte %d", at)
            .isInstanceOf(InvalidWrappedKeyException.class);
      }
    }
  }

  @Test
  void mutationInAnotherRecipientsStanzaIsCaughtByTheHeaderMac() {
    try (DataKeyPair pair = await(writer.generateDataKey("data-team+break-glass"));
        HybridKms dataTeam = storeWithOnly("data-team")) {
      byte[] bytes = pair.wrapped().bytes();
      int secondStanza = 3 + (1 + 9 + 4 + 1120 + 48);
      byte[] bad = bytes.clone();
      bad[secondStanza + 1 + 11 + 4 + 1119] ^= 1; // break-glass's sealed DEK, last byte
      WrappedKey w = pair.wrapped();
      WrappedKey tampered =
          new WrappedKey(w.provider(), w.masterKeyName(), w.masterKeyVersion(), w.algorithm(), bad);
      assertThatThrownBy(() -> await(dataTeam.unwrap(tampered)))
          .isInstanceOf(InvalidWrappedKeyException.class);
    }
  }

  @Test
  void truncatedAndExtendedAreRejected() {
    try (DataKeyPair pair = await(writer.generateDataKey("data-team"))) {
      WrappedKey w = pair.wrapped();
      byte[] bytes = w.bytes();
      for (int len = 0; len < bytes.length; len += 7) {
        WrappedKey cut =
            relabel(w, w.masterKeyName(), w.masterKeyVersion(), Arrays.copyOf(bytes, len));
        assertThatThrownBy(() -> await(admin.unwrap(cut)))
            .isInstanceOf(InvalidWrappedKeyException.class)
            .hasMessageContaining("truncated");
      }
      WrappedKey longer =
          relabel(
              w, w.masterKeyName(), w.masterKeyVersion(), Arrays.copyOf(bytes, bytes.length + 1));
      assertThatThrownBy(() -> await(admin.unwrap(longer)))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("trailing");
    }
  }

  @Test
  void unknownFormatVersionAndKemAreRejected() {
    try (DataKeyPair pair = await(writer.generateDataKey("data-team"))) {
      WrappedKey w = pair.wrapped();
      byte[] v2 = w.bytes();
      v2[0] = 2;
      assertThatThrownBy(
              () -> await(admin.unwrap(relabel(w, w.masterKeyName(), w.masterKeyVersion(), v2))))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("unsupported hybrid wrapped-key format version 2");
      byte[] kem = w.bytes();
      kem[1] = 9;
      assertThatThrownBy(
              () -> await(admin.unwrap(relabel(w, w.masterKeyName(), w.masterKeyVersion(), kem))))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("unsupported KEM id 9");
      WrappedKey otherAlg =
          new WrappedKey("hybrid", w.masterKeyName(), w.masterKeyVersion(), "XWING-V9", w.bytes());
      assertThatThrownBy(() -> await(admin.unwrap(otherAlg)))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("unsupported wrapping algorithm");
    }
  }

  @Test
  void relabelledKeysAreRejected() {
    try (DataKeyPair pair = await(writer.generateDataKey("data-team"))) {
      WrappedKey w = pair.wrapped();
      assertThatThrownBy(() -> await(admin.unwrap(relabel(w, "break-glass", "1", w.bytes()))))
          .isInstanceOf(InvalidWrappedKeyException.class);
      assertThatThrownBy(() -> await(admin.unwrap(relabel(w, "data-team", "2", w.bytes()))))
          .isInstanceOf(InvalidWrappedKeyException.class);
      WrappedKey otherProvider =
          new WrappedKey(
              "local", w.masterKeyName(), w.masterKeyVersion(), w.algorithm(), w.bytes());
      assertThatThrownBy(() -> await(admin.unwrap(otherProvider)))
          .isInstanceOf(InvalidWrappedKeyException.class);
    }
  }

  private static WrappedKey relabel(WrappedKey w, String name, String version, byte[] bytes) {
    return new WrappedKey(w.provider(), name, version, w.algorithm(), bytes);
  }

  @Test
  void rotationAndRewrapMoveToTheNewRecipientVersion() {
    try (DataKeyPair pair = await(writer.generateDataKey("data-team+break-glass"))) {
      WrappedKey old = pair.wrapped();
      MasterKeyInfo rotated = admin.rotateKey("data-team");
      assertThat(rotated.currentVersion()).isEqualTo("2");
      assertThat(rotated.versions()).containsExactly("1", "2");
      // Writers pick up the new public key from the (replaced) recipients file.
      assertThat(await(writer.describe("data-team+break-glass")).currentVersion()).isEqualTo("2+1");
      try (DataKeyPair fresh = await(writer.generateDataKey("data-team+break-glass"))) {
        assertThat(fresh.wrapped().masterKeyVersion()).isEqualTo("2+1");
      }
      // Rewrap needs the private key: a writer fails with the typed error.
      assertThatThrownBy(() -> await(writer.rewrap(old))).isInstanceOf(NoPrivateKeyException.class);
      WrappedKey rewrapped = await(admin.rewrap(old));
      assertThat(rewrapped.masterKeyVersion()).isEqualTo("2+1");
      assertThat(await(admin.rewrap(rewrapped))).isSameAs(rewrapped);
      assertThat(await(writer.rewrap(rewrapped))).isSameAs(rewrapped);
      try (DataKey dek = await(admin.unwrap(rewrapped));
          DataKey before = await(admin.unwrap(old))) {
        assertThat(material(dek)).isEqualTo(material(pair.plaintext()));
        assertThat(material(before)).isEqualTo(material(pair.plaintext()));
      }
      assertThat(await(admin.rewrapAll(List.of(old, rewrapped))))
          .extracting(WrappedKey::masterKeyVersion)
          .containsExactly("2+1", "2+1");
    }
  }

  @Test
  void adminOperationsAndNames() {
    assertThat(admin.listKeys())
        .extracting(MasterKeyInfo::name)
        .containsExactly("break-glass", "data-team");
    assertThatThrownBy(() -> admin.createKey("data-team")).isInstanceOf(KmsException.class);
    assertThatThrownBy(() -> admin.rotateKey("nobody")).isInstanceOf(UnknownKeyException.class);
    assertThatThrownBy(() -> admin.createKey("a+b")).isInstanceOf(KmsConfigException.class);
    assertThatThrownBy(() -> writer.createKey("x")).isInstanceOf(NoPrivateKeyException.class);
    assertThatThrownBy(() -> await(writer.generateDataKey("nobody")))
        .isInstanceOf(UnknownKeyException.class)
        .hasMessageContaining("no public key for recipient 'nobody'");
    assertThatThrownBy(() -> await(writer.generateDataKey("data-team+data-team")))
        .isInstanceOf(UnknownKeyException.class);
    assertThatThrownBy(() -> await(writer.generateDataKey("Data-Team")))
        .isInstanceOf(UnknownKeyException.class);
    assertThat(admin.exportPublic("data-team")).get().asString().contains("\"kem\":\"X-Wing\"");
    assertThat(admin.exportPublic("nobody")).isEmpty();
  }

  @Test
  void openedThroughTheServiceLoader() throws Exception {
    try (Kms kms = KmsProviders.open(fx.uri(), Map.of())) {
      assertThat(kms).isInstanceOf(HybridKms.class);
      assertThat(((HybridKms) kms).writeOnly()).isTrue();
    }
    assertThatThrownBy(() -> KmsProviders.open(fx.uri(), Map.of("password", "env:x")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("'password' is set but 'private-keys' is not");
    assertThatThrownBy(() -> KmsProviders.open("hybrid://" + dir.resolve("missing.pub"), Map.of()))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("does not exist");
    assertThatThrownBy(
            () ->
                KmsProviders.open(
                    fx.uri(), Map.of("private-keys", dir.resolve("admin.p12").toString())))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("needs 'password'");
  }

  @Test
  void aWrongStorePasswordFailsClosedWithoutEchoingIt() {
    Map<String, String> c =
        Map.of(
            HybridConfig.PRIVATE_KEYS.name(),
            dir.resolve("admin.p12").toString(),
            HybridConfig.PASSWORD.name(),
            "env:wrong");
    assertThatThrownBy(() -> HybridKms.open(HybridConfig.parse(fx.uri(), c), HybridFixture.SECRETS))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("could not be opened")
        .hasMessageNotContaining("pw-wrong");
  }

  @Test
  void recipientDirectoryOfPubFiles() throws Exception {
    Path d = Files.createDirectory(dir.resolve("recipients.d"));
    Files.copy(fx.recipients(), d.resolve("team.pub"));
    try (Kms kms = KmsProviders.open("hybrid://" + d, Map.of());
        DataKeyPair pair = await(kms.generateDataKey("break-glass"));
        DataKey dek = await(admin.unwrap(pair.wrapped()))) {
      assertThat(material(dek)).isEqualTo(material(pair.plaintext()));
    }
  }

  @Test
  void sixteenLongRecipientsFitTheRecordLimitAndSeventeenAreRefused() {
    List<String> names = new java.util.ArrayList<>();
    for (int i = 0; i < 17; i++) {
      String name = String.format("r%02d", i) + "x".repeat(125);
      names.add(name);
      admin.createKey(name);
    }
    String sixteen = String.join("+", names.subList(0, 16));
    try (DataKeyPair pair = await(writer.generateDataKey(sixteen))) {
      byte[] record = WrappedKeyCodec.toBinary(pair.wrapped());
      assertThat(pair.wrapped().bytes()).hasSize(35 + 16 * (1173 + 128));
      assertThat(record.length).isLessThan(65535);
      try (DataKey dek = await(admin.unwrap(WrappedKeyCodec.fromBinary(record)))) {
        assertThat(material(dek)).isEqualTo(material(pair.plaintext()));
      }
    }
    assertThatThrownBy(() -> await(writer.generateDataKey(String.join("+", names))))
        .isInstanceOf(UnknownKeyException.class)
        .hasMessageContaining("at most 16");
  }

  @Test
  void concurrentWritersAndReaders() throws Exception {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(
            pool.submit(
                () -> {
                  int ok = 0;
                  for (int i = 0; i < 25; i++) {
                    try (DataKeyPair pair = await(writer.generateDataKey("data-team+break-glass"));
                        DataKey dek = await(admin.unwrap(pair.wrapped()))) {
                      if (Arrays.equals(material(dek), material(pair.plaintext()))) {
                        ok++;
                      }
                    }
                  }
                  return ok;
                }));
      }
      for (java.util.concurrent.Future<Integer> f : results) {
        assertThat(f.get()).isEqualTo(25);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void errorsAndToStringsNeverShowKeyMaterial() {
    try (DataKeyPair pair = await(writer.generateDataKey("data-team"))) {
      String dekHex = java.util.HexFormat.of().formatHex(material(pair.plaintext()));
      String dekB64 = java.util.Base64.getEncoder().encodeToString(material(pair.plaintext()));
      Throwable e =
          org.assertj.core.api.Assertions.catchThrowable(
              () -> await(writer.unwrap(pair.wrapped())));
      for (String text : List.of(String.valueOf(e), pair.toString(), pair.wrapped().toString())) {
        assertThat(text).doesNotContain(dekHex).doesNotContain(dekB64);
      }
    }
  }
}
