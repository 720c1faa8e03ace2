package dev.pipeseal.kms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MasterKeyNamesTest {
  @Test
  void commonRule() {
    assertThat(MasterKeyNames.isValid("pii")).isTrue();
    assertThat(MasterKeyNames.isValid("Orders.v2_eu-1")).isTrue();
    assertThat(MasterKeyNames.isValid("a".repeat(128))).isTrue();
    assertThat(MasterKeyNames.isValid("a".repeat(129))).isFalse();
    assertThat(MasterKeyNames.isValid("-pii")).isFalse();
    assertThat(MasterKeyNames.isValid("pii/../x")).isFalse();
    assertThat(MasterKeyNames.isValid("pii#2")).isFalse();
    assertThat(MasterKeyNames.isValid("")).isFalse();
    assertThat(MasterKeyNames.isValid(null)).isFalse();
  }

  @Test
  void providersNarrowWithAReason() {
    MasterKeyNames.check("local", "pii", 128, true, "case-insensitive store");
    assertThatThrownBy(() -> MasterKeyNames.check("local", "PII", 128, true, "case-insensitive"))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("local")
        .hasMessageContaining("a-z")
        .hasMessageContaining("case-insensitive");
    assertThatThrownBy(() -> MasterKeyNames.check("pkcs11", "k".repeat(65), 64, false, null))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("1-64");
  }
}
