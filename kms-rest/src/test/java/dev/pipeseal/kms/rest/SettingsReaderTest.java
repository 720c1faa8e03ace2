package dev.pipeseal.kms.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.KmsConfigException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsReaderTest {
  @Test
  void parsesTypedValuesAndNamesTheSettingOnError() {
    SettingsReader s =
        new SettingsReader(
            "p",
            Map.of(
                "timeout",
                "1500ms",
                "t2",
                "2m",
                "t3",
                "PT3S",
                "mode",
                "Token",
                "endpoint",
                "https://h:8443/",
                "secret",
                "env:X",
                "inline",
                "hunter2"));
    assertThat(s.duration("timeout", Duration.ZERO)).isEqualTo(Duration.ofMillis(1500));
    assertThat(s.duration("t2", Duration.ZERO)).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.duration("t3", Duration.ZERO)).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.duration("unset", Duration.ofSeconds(9))).isEqualTo(Duration.ofSeconds(9));
    assertThat(s.choice("mode", "x", "token", "approle")).isEqualTo("token");
    assertThat(s.endpoint("endpoint").orElseThrow()).hasToString("https://h:8443");
    assertThat(s.secretReference("secret")).contains("env:X");
    assertThatThrownBy(() -> s.secretReference("inline"))
        .isInstanceOf(KmsConfigException.class)
        .hasMessageContaining("[p]")
        .hasMessageContaining("inline")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> s.choice("mode", "x", "approle"))
        .hasMessageContaining("mode must be one of");
    SettingsReader bad = new SettingsReader("p", Map.of("timeout", "-1s", "endpoint", "ftp://x"));
    assertThatThrownBy(() -> bad.duration("timeout", Duration.ZERO))
        .hasMessageContaining("timeout");
    assertThatThrownBy(() -> bad.endpoint("endpoint")).hasMessageContaining("http(s) URL");
  }
}
