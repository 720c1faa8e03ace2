package dev.pipeseal.kafka.connect;

import dev.pipeseal.kafka.connect.typed.TypedValues;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * The schema of an encrypted field: {@code bytes}, optional if the original was, with the original
 * schema recorded in parameters so that decryption restores it without any other configuration:
 *
 * <ul>
 *   <li>{@code pipeseal.type}: the original type ({@code string}, {@code int32}, {@code array}...);
 *   <li>{@code pipeseal.name} / {@code pipeseal.version}: its name (logical types such as {@code
 *       org.apache.kafka.connect.data.Decimal}) and version, when it had them;
 *   <li>{@code pipeseal.element}: the element type of a float/double vector;
 *   <li>the original parameters (e.g. a decimal's {@code scale}) under their own names.
 * </ul>
 *
 * <p>Parameters survive the JSON converter ({@code schemas.enable=true}) and schema registries'
 * {@code connect.parameters}, so a sink can decrypt what a source encrypted. Defaults of encrypted
 * fields are dropped (a default would be plaintext in the schema).
 */
final class SealedSchemas {
  static final String TYPE = "pipeseal.type";
  static final String NAME = "pipeseal.name";
  static final String VERSION = "pipeseal.version";
  static final String ELEMENT = "pipeseal.element";

  private SealedSchemas() {}

  /**
   * The bytes schema that replaces {@code original}.
   *
   * @throws dev.pipeseal.kafka.connect.typed.UnsupportedTypeException for types without a tag
   */
  static Schema sealed(Schema original) {
    TypedValues.tagOf(original);
    SchemaBuilder b = SchemaBuilder.bytes();
    if (original.isOptional()) {
      b.optional();
    }
    if (original.doc() != null) {
      b.doc(original.doc());
    }
    b.parameter(TYPE, original.type().getName());
    if (original.name() != null) {
      b.parameter(NAME, original.name());
    }
    if (original.version() != null) {
      b.parameter(VERSION, original.version().toString());
    }
    if (original.type() == Schema.Type.ARRAY) {
      b.parameter(ELEMENT, original.valueSchema().type().getName());
    }
    if (original.parameters() != null) {
      for (Map.Entry<String, String> e : original.parameters().entrySet()) {
        if (e.getKey().startsWith("pipeseal.")) {
          throw new IllegalArgumentException(
              "the field's schema already has a pipeseal.* parameter (" + e.getKey() + ")");
        }
        b.parameter(e.getKey(), e.getValue());
      }
    }
    return b.build();
  }

  /** Whether {@code schema} is the schema of an encrypted field. */
  static boolean isSealed(Schema schema) {
    return schema.type() == Schema.Type.BYTES
        && schema.parameters() != null
        && schema.parameters().containsKey(TYPE);
  }

  /** The original schema recorded in a sealed one (see {@link #isSealed}). */
  static Schema original(Schema sealed) {
    Map<String, String> p = sealed.parameters();
    Schema.Type type = Schema.Type.valueOf(p.get(TYPE).toUpperCase(java.util.Locale.ROOT));
    SchemaBuilder b =
        type == Schema.Type.ARRAY
            ? SchemaBuilder.array(
                new SchemaBuilder(
                        Schema.Type.valueOf(p.get(ELEMENT).toUpperCase(java.util.Locale.ROOT)))
                    .build())
            : new SchemaBuilder(type);
    if (p.containsKey(NAME)) {
      b.name(p.get(NAME));
    }
    if (p.containsKey(VERSION)) {
      b.version(Integer.valueOf(p.get(VERSION)));
    }
    for (Map.Entry<String, String> e : p.entrySet()) {
      if (!e.getKey().startsWith("pipeseal.")) {
        b.parameter(e.getKey(), e.getValue());
      }
    }
    if (sealed.doc() != null) {
      b.doc(sealed.doc());
    }
    if (sealed.isOptional()) {
      b.optional();
    }
    return b.build();
  }
}
