package dev.pipeseal.kafka.connect;

import dev.pipeseal.kafka.connect.typed.TypedValues;
import dev.pipeseal.kafka.connect.typed.UnsupportedTypeException;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Encrypts the whole key or value of a record, or the fields named by {@code pipeseal.fields} of a
 * {@code Struct} (with schema) or {@code Map} (schemaless) key or value, into Pipeseal envelopes v1
 * with the AAD conventions of the serializer: {@code topic}, {@code topic#key}, {@code
 * topic/<pointer>}, {@code topic#key/<pointer>}.
 *
 * <p>Each encrypted value is a {@code bytes} value holding the envelope of the typed-value encoding
 * of the original ({@link TypedValues}); its schema records the original one ({@link
 * SealedSchemas}), so {@link DecryptField} restores type and schema. Null values stay null.
 *
 * <pre>
 * transforms=seal
 * transforms.seal.type=dev.pipeseal.kafka.connect.EncryptField$Value
 * transforms.seal.pipeseal.fields=/ssn,/address/street
 * transforms.seal.pipeseal.master-key=pii
 * transforms.seal.pipeseal.kms.uri=local:///etc/pipeseal/keys.p12
 * </pre>
 *
 * <p>Fails closed: any failure throws {@link EncryptedFieldException} naming the topic, field and
 * master key, and the record is not passed on.
 */
public abstract class EncryptField<R extends ConnectRecord<R>> implements Transformation<R> {
  private TransformSettings settings;
  private TransformKeys keys;
  private FieldWalker walker;
  private final SchemaCache schemas = new SchemaCache();

  /** Encrypts the record key ({@code topic#key} contexts; deterministic by default). */
  public static final class Key<R extends ConnectRecord<R>> extends EncryptField<R> {
    public Key() {
      super(true);
    }
  }

  /** Encrypts the record value ({@code topic} contexts; randomized by default). */
  public static final class Value<R extends ConnectRecord<R>> extends EncryptField<R> {
    public Value() {
      super(false);
    }
  }

  private final boolean isKey;

  EncryptField(boolean isKey) {
    this.isKey = isKey;
  }

  @Override
  public void configure(Map<String, ?> configs) {
    TransformSettings s = TransformSettings.parse(configs, isKey);
    this.keys = TransformKeys.forWriting(s.serde());
    this.walker = new FieldWalker(s.fields());
    this.settings = s;
  }

  @Override
  public R apply(R record) {
    Object value = isKey ? record.key() : record.value();
    Schema schema = isKey ? record.keySchema() : record.valueSchema();
    if (value == null) {
      return record;
    }
    String base = settings.contextName(record.topic());
    Schema outSchema;
    Object outValue;
    if (settings.fields().isEmpty()) {
      outSchema = schema == null ? null : sealedSchema(record, schema, "");
      outValue = seal(record, schema, value, base, "");
    } else if (schema != null) {
      if (schema.type() != Schema.Type.STRUCT || !(value instanceof Struct struct)) {
        throw new EncryptedFieldException(
            where(record, null)
                + ": pipeseal.fields needs a Struct, the schema is "
                + schema.type());
      }
      outSchema = schemas.get(schema, s -> walker.schema(s, (f, p) -> sealedSchema(record, f, p)));
      outValue = walker.struct(struct, outSchema, (f, v, p) -> seal(record, f, v, base + p, p));
    } else if (value instanceof Map<?, ?> map) {
      outSchema = null;
      outValue = walker.map(map, (f, v, p) -> seal(record, null, v, base + p, p));
    } else {
      throw new EncryptedFieldException(
          where(record, null)
              + ": pipeseal.fields needs a Struct or a Map, not a "
              + value.getClass().getSimpleName());
    }
    return isKey
        ? record.newRecord(
            record.topic(),
            record.kafkaPartition(),
            outSchema,
            outValue,
            record.valueSchema(),
            record.value(),
            record.timestamp())
        : record.newRecord(
            record.topic(),
            record.kafkaPartition(),
            record.keySchema(),
            record.key(),
            outSchema,
            outValue,
            record.timestamp());
  }

  private Schema sealedSchema(R record, Schema original, String pointer) {
    try {
      return SealedSchemas.sealed(original);
    } catch (IllegalArgumentException e) {
      throw new EncryptedFieldException(where(record, pointer) + ": " + e.getMessage(), e);
    }
  }

  private byte[] seal(R record, Schema schema, Object value, String context, String pointer) {
    try {
      return keys.encrypt(TypedValues.encode(schema, value), context);
    } catch (UnsupportedTypeException e) {
      throw new EncryptedFieldException(where(record, pointer) + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new EncryptedFieldException(
          where(record, pointer)
              + " under master key '"
              + keys.keyName()
              + "'; the record was not passed on: "
              + e.getMessage(),
          e);
    }
  }

  private String where(R record, String pointer) {
    return "pipeseal: cannot encrypt "
        + (pointer == null || pointer.isEmpty()
            ? "the " + settings.serde().side()
            : "field '" + pointer + "' of the " + settings.serde().side())
        + " of a record for topic '"
        + record.topic()
        + "'";
  }

  @Override
  public ConfigDef config() {
    return TransformSettings.encryptDefinition();
  }

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void close() {
    if (keys != null) {
      keys.close();
      keys = null;
    }
  }
}
