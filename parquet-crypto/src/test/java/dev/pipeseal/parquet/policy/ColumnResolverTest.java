package dev.pipeseal.parquet.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.parquet.testing.Rows;
import java.util.List;
import java.util.Map;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

/** Selectors against schemas, without any key or file. */
class ColumnResolverTest {
  private static Map<String, List<String>> resolve(MessageType schema, String... kv) {
    Map<String, String> props = new java.util.HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      props.put(kv[i], kv[i + 1]);
    }
    return ColumnResolver.resolve(EncryptionPolicy.fromProperties(props).rules(), schema);
  }

  @Test
  void nameSelectsFieldAndNestedParentSelectsItsLeaves() {
    assertThat(
            resolve(Rows.SCHEMA, "pipeseal.parquet.columns.pii", "ssn,address.zip,tags,embedding"))
        .containsExactly(
            Map.entry(
                "pii",
                List.of(
                    "ssn",
                    "address.zip",
                    "tags.key_value.key",
                    "tags.key_value.value",
                    "embedding.list.element")));
  }

  @Test
  void mapFieldsByLogicalPathAndGlobs() {
    assertThat(resolve(Rows.SCHEMA, "pipeseal.parquet.columns.k", "tags.value, glob:addr*.*"))
        .containsExactly(
            Map.entry("k", List.of("tags.key_value.value", "address.street", "address.zip")));
    assertThat(resolve(Rows.SCHEMA, "pipeseal.parquet.columns.k", "glob:**zip"))
        .containsExactly(Map.entry("k", List.of("address.zip")));
  }

  @Test
  void typesSelectEmbeddingsAndStrings() {
    MessageType schema =
        MessageTypeParser.parseMessageType(
            """
            message m {
              optional group a (LIST) { repeated group list { optional float element; } }
              optional group b (LIST) { repeated group list { optional double element; } }
              optional group legacy (LIST) { repeated float array; }
              optional group nested { optional group c (LIST) {
                repeated group list { optional float element; } } }
              optional binary s (STRING);
              optional int64 n;
            }
            """);
    assertThat(
            resolve(
                schema,
                "pipeseal.parquet.columns.emb",
                "type:array<float>",
                "pipeseal.parquet.columns.str",
                "type:string",
                "pipeseal.parquet.footer.key",
                "str"))
        .containsExactly(
            Map.entry("emb", List.of("a.list.element", "legacy.array", "nested.c.list.element")),
            Map.entry("str", List.of("s")));
    assertThat(resolve(schema, "pipeseal.parquet.columns.x", "type: array<*>").get("x")).hasSize(4);
    assertThat(SchemaFields.typeName(Rows.SCHEMA.getType("tags"))).isEqualTo("map<string,string>");
  }

  @Test
  void conflictsAndMissingNamesFailClosed() {
    assertThatThrownBy(
            () ->
                resolve(
                    Rows.SCHEMA,
                    "pipeseal.parquet.columns.a",
                    "address",
                    "pipeseal.parquet.columns.b",
                    "address.zip",
                    "pipeseal.parquet.footer.key",
                    "a"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("address.zip")
        .hasMessageContaining("'a'")
        .hasMessageContaining("'b'");
    assertThatThrownBy(() -> resolve(Rows.SCHEMA, "pipeseal.parquet.columns.a", "sssn"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("'sssn'");
    assertThat(resolve(Rows.SCHEMA, "pipeseal.parquet.columns.a", "glob:nothing*")).isEmpty();
  }
}
