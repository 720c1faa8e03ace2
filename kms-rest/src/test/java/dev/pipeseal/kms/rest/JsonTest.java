package dev.pipeseal.kms.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void readsNestedAnswersByPath() {
    Json j =
        Json.parse(
            "{\"data\":{\"ciphertext\":\"vault:v2:abc\",\"keys\":{\"1\":17,\"2\":18},"
                + "\"latest_version\":2},\"errors\":[\"a\",\"b\\u00e9\"],\"ok\":true,\"n\":null,"
                + "\"expires_in\":\"3599\",\"d\":1.5}");
    assertThat(j.at("data.ciphertext").string()).contains("vault:v2:abc");
    assertThat(j.at("data.latest_version").number()).contains(2L);
    assertThat(j.at("data.keys").names()).containsExactly("1", "2");
    assertThat(j.get("errors").elements())
        .extracting(e -> e.string().orElseThrow())
        .containsExactly("a", "bé");
    assertThat(j.get("ok").bool()).contains(true);
    assertThat(j.get("n").isMissing()).isTrue();
    assertThat(j.at("no.such.path").isMissing()).isTrue();
    assertThat(j.get("expires_in").number()).contains(3599L);
    assertThat(j.get("d").number()).isEmpty();
    assertThat(j.get("errors").string()).isEmpty();
  }

  @Test
  void refusesMalformedTextWithoutEchoingIt() {
    for (String bad :
        new String[] {
          "{\"plaintext\":\"c2VjcmV0\"", "{\"a\":1,\"a\":2}", "[1,]", "{} x", "{\"a\":tru}"
        }) {
      assertThatThrownBy(() -> Json.parse(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("invalid JSON at offset")
          .hasMessageNotContaining("c2VjcmV0");
    }
    assertThatThrownBy(() -> Json.parse("[".repeat(100) + "]".repeat(100)))
        .hasMessageContaining("nested too deeply");
    assertThat(Json.parse("{\"token\":\"t0ps3cret\"}").toString()).doesNotContain("t0ps3cret");
  }
}
