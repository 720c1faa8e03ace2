package dev.pipeseal.kms.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.KmsConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing only; needs no HSM. */
class Pkcs11ConfigTest {
  private static final Map<String, String> BASE =
      Map.of(
          Pkcs11Config.LIBRARY.name(),
          "/opt/hsm/libpkcs11.so",
          Pkcs11Config.PIN.name(),
          "env:HSM_PIN");

  @Test
  void parsesUriAttributesAndDefaults() {
    Pkcs11Config c = Pkcs11Config.parse(URI.create("pkcs11:token=pipe%20seal"), BASE);
    assertThat(c.tokenLabel()).isEqualTo("pipe seal");
    assertThat(c.slot()).isNull();
    assertThat(c.library()).isEqualTo(Path.of("/opt/hsm/libpkcs11.so"));
    assertThat(c.threads()).isEqualTo(4);
    assertThat(c.refresh()).isEqualTo(Duration.ofSeconds(60));

    Pkcs11Config q =
        Pkcs11Config.parse(
            URI.create("pkcs11:slot-id=42?module-path=/x/lib.so&pin-source=file:/etc/pin"),
            Map.of(Pkcs11Config.THREADS.name(), "2"));
    assertThat(q.slot()).isEqualTo(42L);
    assertThat(q.library()).isEqualTo(Path.of("/x/lib.so"));
    assertThat(q.pin()).isEqualTo("file:/etc/pin");
    assertThat(q.threads()).isEqualTo(2);

    // A configured slot overrides the URI's label.
    Pkcs11Config s =
        Pkcs11Config.parse(
            URI.create("pkcs11:token=a"),
            Map.of(
                Pkcs11Config.LIBRARY.name(),
                "/l.so",
                Pkcs11Config.PIN.name(),
                "env:P",
                Pkcs11Config.SLOT.name(),
                "7"));
    assertThat(s.slot()).isEqualTo(7L);
    assertThat(s.tokenLabel()).isNull();
  }

  @Test
  void kebabNamesAndTheirDeprecatedAliases() {
    Pkcs11Config current =
        Pkcs11Config.parse(
            URI.create("pkcs11:object=x"),
            Map.of(
                Pkcs11Config.LIBRARY.name(),
                "/l.so",
                Pkcs11Config.PIN.name(),
                "env:P",
                "slot-list-index",
                "2",
                "refresh",
                "5m"));
    assertThat(current.slotListIndex()).isEqualTo(2);
    assertThat(current.refresh()).isEqualTo(Duration.ofMinutes(5));
    Pkcs11Config old =
        Pkcs11Config.parse(
            URI.create("pkcs11:object=x"),
            Map.of(
                Pkcs11Config.LIBRARY.name(),
                "/l.so",
                Pkcs11Config.PIN.name(),
                "env:P",
                "slotListIndex",
                "3",
                "refreshSeconds",
                "90"));
    assertThat(old.slotListIndex()).isEqualTo(3);
    assertThat(old.refresh()).as("bare number is seconds").isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void rejectsInlinePinsAndBadValues() {
    assertThatThrownBy(
            () ->
                Pkcs11Config.parse(
                    URI.create("pkcs11:token=a"),
                    Map.of(Pkcs11Config.LIBRARY.name(), "/l.so", Pkcs11Config.PIN.name(), "1234")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("reference")
        .hasMessageNotContaining("1234");
    assertThatThrownBy(
            () ->
                Pkcs11Config.parse(
                    URI.create("pkcs11:token=a?pin-value=1234"),
                    Map.of(Pkcs11Config.LIBRARY.name(), "/l.so")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageNotContaining("1234");
    assertThatThrownBy(
            () ->
                Pkcs11Config.parse(
                    URI.create("pkcs11:token=a"), Map.of(Pkcs11Config.LIBRARY.name(), "/l.so")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("'pin' is required");
    assertThatThrownBy(() -> Pkcs11Config.parse(URI.create("pkcs11:object=x"), BASE))
        .hasMessageContaining("exactly one");
    assertThatThrownBy(
            () ->
                Pkcs11Config.parse(
                    URI.create("pkcs11:token=a"),
                    Map.of(
                        Pkcs11Config.LIBRARY.name(),
                        "/l.so",
                        Pkcs11Config.PIN.name(),
                        "env:P",
                        Pkcs11Config.THREADS.name(),
                        "many")))
        .hasMessageContaining("threads");
    assertThatThrownBy(
            () ->
                Pkcs11Config.parse(
                    URI.create("pkcs11:token=a"),
                    Map.of(
                        Pkcs11Config.LIBRARY.name(),
                        "/l.so",
                        Pkcs11Config.PIN.name(),
                        "env:P",
                        "slot-index",
                        "1")))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("nearest valid name: 'slot-list-index'");
    assertThat(new Pkcs11KmsService().supports(URI.create("pkcs11:token=a"))).isTrue();
    assertThat(new Pkcs11KmsService().supports(URI.create("kms://http@h:1/kms"))).isFalse();
  }
}
