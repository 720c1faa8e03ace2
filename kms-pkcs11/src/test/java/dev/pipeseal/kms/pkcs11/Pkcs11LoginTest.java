package dev.pipeseal.kms.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsProviders;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Uses its own token: PKCS#11 login is per process, so no other test may log in to it first. */
class Pkcs11LoginTest {
  @Test
  void wrongPinIsAConfigErrorWithoutThePin() {
    SoftHsm.Setup hsm = SoftHsm.require();
    assertThatThrownBy(
            () ->
                KmsProviders.open(
                    "pkcs11:token=pipeseal-badpin",
                    hsm.config("pipeseal-badpin", hsm.wrongPinFile())))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("pkcs11")
        .hasMessageContaining("pipeseal-badpin")
        .hasMessageContaining("CKR_PIN_INCORRECT")
        .satisfies(
            e -> {
              for (Throwable t = e; t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage()))
                    .doesNotContain(SoftHsm.WRONG_PIN)
                    .doesNotContain(SoftHsm.PIN);
              }
            });
    // The right PIN still works afterwards.
    try (Kms kms =
        KmsProviders.open("pkcs11:token=pipeseal-badpin", hsm.config("pipeseal-badpin"))) {
      assertThat(kms.providerId()).isEqualTo("pkcs11");
    }
  }

  @Test
  void unknownTokenAndMissingLibraryAreConfigErrors() {
    SoftHsm.Setup hsm = SoftHsm.require();
    Map<String, String> config = new HashMap<>(hsm.config("no-such-token"));
    assertThatThrownBy(() -> KmsProviders.open("pkcs11:token=no-such-token", config))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("no-such-token");
    config.put(Pkcs11Config.LIBRARY.name(), "/nonexistent/libpkcs11.so");
    config.remove(Pkcs11Config.TOKEN.name());
    config.put(Pkcs11Config.SLOT.name(), "1");
    assertThatThrownBy(() -> KmsProviders.open("pkcs11:token=ignored", config))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("/nonexistent/libpkcs11.so");
    config.put(Pkcs11Config.LIBRARY.name(), hsm.library().toString());
    config.put(Pkcs11Config.PIN.name(), "env:PIPESEAL_TEST_UNSET_PIN_VARIABLE");
    config.put(Pkcs11Config.SLOT.name(), String.valueOf(hsm.slots().get("pipeseal")));
    assertThatThrownBy(() -> KmsProviders.open("pkcs11:token=ignored", config))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("PIPESEAL_TEST_UNSET_PIN_VARIABLE");
  }
}
