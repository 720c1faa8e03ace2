package dev.pipeseal.kms.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlatJsonTest {
  @Test
  void roundTripsEscapesAndTypes() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("s", "a\"b\\c\n\u0001é");
    m.put("n", 42L);
    m.put("d", 1.5);
    m.put("b", true);
    m.put("z", null);
    String json = FlatJson.write(m);
    assertThat(json)
        .isEqualTo("{\"s\":\"a\\\"b\\\\c\\n\\u0001é\",\"n\":42,\"d\":1.5,\"b\":true,\"z\":null}");
    assertThat(FlatJson.parse(json)).isEqualTo(m);
    assertThat(FlatJson.parse(" { \"x\" : \"\\u0041\" } ")).containsEntry("x", "A");
  }

  @Test
  void rejectsNestedDuplicateAndTrailing() {
    assertThatThrownBy(() -> FlatJson.parse("{\"a\":{}}")).hasMessageContaining("nested");
    assertThatThrownBy(() -> FlatJson.parse("{\"a\":1,\"a\":2}")).hasMessageContaining("duplicate");
    assertThatThrownBy(() -> FlatJson.parse("{} x")).hasMessageContaining("trailing");
    assertThatThrownBy(() -> FlatJson.parse("{\"a\":\"x")).hasMessageContaining("end");
  }
}
