package dev.pipeseal.parquet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.parquet.crypto.ParquetCipher;
import org.junit.jupiter.api.Test;

/** The one parser of pipeseal.parquet.* properties. */
class EncryptionPolicyTest {
  @Test
  void defaults() {
    EncryptionPolicy p =
        EncryptionPolicy.fromProperties(Map.of("pipeseal.parquet.columns.pii", "ssn"));
    assertThat(p.footerKey()).isEqualTo("pii");
    assertThat(p.plaintextFooter()).isFalse();
    assertThat(p.algorithm()).isEqualTo(ParquetCipher.AES_GCM_V1);
    assertThat(p.externalKeyMaterial()).isFalse();
    assertThat(p.dataKeyBits()).isEqualTo(256);
    assertThat(p.table()).isEqualTo("auto");
    assertThat(p.verifyTable()).isTrue();
    assertThat(EncryptionPolicy.fromProperties(Map.of("other", "x")).isEmpty()).isTrue();
  }

  @Test
  void selectorsSplitOutsideAngleBrackets() {
    assertThat(EncryptionPolicy.splitSelectors(" a, type:map<string,int> ,glob:b* "))
        .containsExactly("a", "type:map<string,int>", "glob:b*");
  }

  @Test
  void invalidSettingsNameTheProperty() {
    assertThatThrownBy(
            () -> EncryptionPolicy.fromProperties(Map.of("pipeseal.parquet.colums.x", "a")))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("pipeseal.parquet.colums.x");
    assertThatThrownBy(
            () ->
                EncryptionPolicy.fromProperties(
                    Map.of("pipeseal.parquet.columns.a", "x", "pipeseal.parquet.columns.b", "y")))
        .hasMessageContaining("pipeseal.parquet.footer.key");
    assertThatThrownBy(
            () ->
                EncryptionPolicy.fromProperties(
                    Map.of(
                        "pipeseal.parquet.columns.a",
                        "x",
                        "pipeseal.parquet.algorithm",
                        "AES_CBC")))
        .hasMessageContaining("pipeseal.parquet.algorithm");
    assertThatThrownBy(
            () ->
                EncryptionPolicy.fromProperties(
                    Map.of(
                        "pipeseal.parquet.columns.a", "x", "pipeseal.parquet.data-key-bits", "64")))
        .hasMessageContaining("pipeseal.parquet.data-key-bits");
    assertThatThrownBy(
            () ->
                EncryptionPolicy.fromProperties(
                    Map.of(
                        "pipeseal.parquet.columns.a", "x", "pipeseal.parquet.key-material", "s3")))
        .hasMessageContaining("internal or external");
    assertThatThrownBy(
            () -> EncryptionPolicy.fromProperties(Map.of("pipeseal.parquet.columns.a", " , ")))
        .hasMessageContaining("no columns selected");
  }

  @Test
  void unknownNameSuggestsTheNearestValidOne() {
    assertThatThrownBy(
            () -> EncryptionPolicy.fromProperties(Map.of("pipeseal.parquet.footer.plaintxt", "x")))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("nearest valid name: 'pipeseal.parquet.footer.plaintext'");
  }

  @Test
  void propertyTableListsEveryScalar() {
    assertThat(EncryptionPolicy.PROPERTIES.properties())
        .extracting(p -> EncryptionPolicy.PREFIX + p.name())
        .contains(
            EncryptionPolicy.FOOTER_KEY, EncryptionPolicy.TABLE, EncryptionPolicy.POLICY_FILE);
    assertThat(EncryptionPolicy.PROPERTIES.passThrough().keySet())
        .extracting(p -> EncryptionPolicy.PREFIX + p)
        .containsExactly(EncryptionPolicy.COLUMNS);
  }
}
