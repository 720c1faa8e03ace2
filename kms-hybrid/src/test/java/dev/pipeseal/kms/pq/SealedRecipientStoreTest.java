package dev.pipeseal.kms.pq;

import static dev.pipeseal.kms.pq.HybridKmsTest.await;
import static dev.pipeseal.kms.pq.HybridKmsTest.material;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.local.LocalKms;
import dev.pipeseal.kms.pkcs11.SoftHsm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipient seeds sealed by another KMS: the local key store, and an HSM (SoftHSM2). */
class SealedRecipientStoreTest {
  @TempDir Path dir;

  private Map<String, String> sealedByLocal() throws Exception {
    Path pass = dir.resolve("sealer.pass");
    Files.writeString(pass, "sealer-pw\n");
    Path sealer = dir.resolve("sealer.p12");
    try (LocalKms local = LocalKms.open(sealer, "sealer-pw".toCharArray(), true)) {
      if (local.listKeys().isEmpty()) {
        local.createKey("recipient-seeds");
      }
    }
    Map<String, String> c = new HashMap<>();
    c.put(HybridConfig.PRIVATE_KEYS.name(), dir.resolve("recipients.sealed").toString());
    c.put(HybridConfig.SEAL_URI.name(), "local://" + sealer);
    c.put(HybridConfig.SEAL_KEY.name(), "recipient-seeds");
    c.put("seal.password", "file:" + pass);
    c.put(HybridConfig.CREATE.name(), "true");
    return c;
  }

  private HybridKms open(Map<String, String> c) {
    return HybridKms.open(
        HybridConfig.parse(new HybridFixture(dir).uri(), c), HybridFixture.SECRETS);
  }

  @Test
  void seedsSealedByAnotherKmsRoundTrip() throws Exception {
    Map<String, String> c = sealedByLocal();
    try (HybridKms admin = open(c)) {
      admin.createKey("data-team");
      admin.rotateKey("data-team");
    }
    String sealed = Files.readString(dir.resolve("recipients.sealed"));
    assertThat(sealed.lines()).hasSize(2).allMatch(l -> l.contains("\"sealed\":"));
    try (HybridKms writer = new HybridFixture(dir).writer();
        HybridKms reader = open(c);
        DataKeyPair pair = await(writer.generateDataKey("data-team"));
        DataKey dek = await(reader.unwrap(pair.wrapped()))) {
      assertThat(pair.wrapped().masterKeyVersion()).isEqualTo("2");
      assertThat(material(dek)).isEqualTo(material(pair.plaintext()));
    }
  }

  @Test
  void aSwappedPrivateEntryIsRefused() throws Exception {
    Map<String, String> c = sealedByLocal();
    try (HybridKms admin = open(c)) {
      admin.createKey("data-team");
      admin.createKey("partner");
    }
    // Give data-team's line partner's sealed seed.
    Path file = dir.resolve("recipients.sealed");
    List<String> lines = Files.readAllLines(file);
    String partnerSealed = lines.get(1).substring(lines.get(1).indexOf("\"sealed\":"));
    String swapped = lines.get(0).substring(0, lines.get(0).indexOf("\"sealed\":")) + partnerSealed;
    Files.writeString(file, swapped + "\n");
    try (HybridKms writer = new HybridFixture(dir).writer();
        HybridKms reader = open(c);
        DataKeyPair pair = await(writer.generateDataKey("data-team"))) {
      assertThatThrownBy(() -> await(reader.unwrap(pair.wrapped())))
          .isInstanceOf(KmsConfigException.class)
          .hasMessageContaining("does not match its public key");
    }
  }

  @Test
  void configurationIsValidated() {
    java.net.URI uri = new HybridFixture(dir).uri();
    assertThatThrownBy(() -> HybridConfig.parse(uri, Map.of("seal.uri", "local:x")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("needs 'private-keys'");
    assertThatThrownBy(
            () -> HybridConfig.parse(uri, Map.of("seal.uri", "local:x", "private-keys", "p")))
        .hasMessageContaining("needs 'seal.key'");
    assertThatThrownBy(() -> HybridConfig.parse(uri, Map.of("seal.pin", "x")))
        .hasMessageContaining("need 'seal.uri'");
    assertThatThrownBy(
            () ->
                HybridConfig.parse(
                    uri, Map.of("seal.uri", "hybrid:x", "seal.key", "k", "private-keys", "p")))
        .hasMessageContaining("cannot be another hybrid provider");
  }

  @Test
  void seedsSealedByAnHsm() throws Exception {
    SoftHsm.Setup hsm = SoftHsm.require();
    String token = SoftHsm.TOKENS.get(0);
    Map<String, String> c = new HashMap<>();
    c.put(HybridConfig.PRIVATE_KEYS.name(), dir.resolve("recipients.sealed").toString());
    c.put(HybridConfig.SEAL_URI.name(), "pkcs11:token=" + token);
    c.put(HybridConfig.SEAL_KEY.name(), "pq-recipient-seeds");
    c.put(HybridConfig.CREATE.name(), "true");
    hsm.config(token).forEach((k, v) -> c.put("seal." + k, v));
    try (var sealer =
        dev.pipeseal.kms.KmsProviders.open("pkcs11:token=" + token, hsm.config(token))) {
      var admin = (dev.pipeseal.kms.KmsAdmin) sealer;
      if (admin.listKeys().stream().noneMatch(k -> k.name().equals("pq-recipient-seeds"))) {
        admin.createKey("pq-recipient-seeds");
      }
    }
    try (HybridKms admin = open(c)) {
      admin.createKey("hsm-team");
    }
    try (HybridKms writer = new HybridFixture(dir).writer();
        HybridKms reader = open(c);
        DataKeyPair pair = await(writer.generateDataKey("hsm-team"));
        DataKey dek = await(reader.unwrap(pair.wrapped()))) {
      assertThat(material(dek)).isEqualTo(material(pair.plaintext()));
    }
  }
}
