package dev.pipeseal.kafka.connect;

import dev.pipeseal.kafka.config.PlaintextPolicy;
import dev.pipeseal.kafka.connect.typed.TypedValues;
import dev.pipeseal.kafka.connect.typed.UnsupportedTypeException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Decrypts what {@link EncryptField} wrote: the whole key or value, or the fields named by {@code
 * pipeseal.fields}, back to their original types and schemas (recorded in the encrypted field's
 * schema parameters with a schema, in the typed-value tag without one). Schemaless JSON carries
 * bytes as base64 text; those are accepted too.
 *
 * <pre>
 * transforms=open
 * transforms.open.type=dev.pipeseal.kafka.connect.DecryptField$Value
 * transforms.open.pipeseal.fields=/ssn,/address/street
 * transforms.open.pipeseal.kms.uri=local:///etc/pipeseal/keys.p12
 * </pre>
 *
 * <p>A field that does not decrypt (tampered, moved to another topic or field, unknown key, KMS
 * down) throws {@link EncryptedFieldException} naming the topic, field and master key; Connect's
 * {@code errors.tolerance} and dead-letter queue decide what happens to the record. A field that is
 * not encrypted is refused unless {@code pipeseal.plaintext=accept}.
 */
public abstract class DecryptField<R extends ConnectRecord<R>> implements Transformation<R> {
  private TransformSettings settings;
  private TransformKeys keys;
  private FieldWalker walker;
  private final SchemaCache schemas = new SchemaCache();

  /** Decrypts the record key. */
  public static final class Key<R extends ConnectRecord<R>> extends DecryptField<R> {
    public Key() {
      super(true);
    }
  }

  /** Decrypts the record value. */
  public static final class Value<R extends ConnectRecord<R>> extends DecryptField<R> {
    public Value() {
      super(false);
    }
  }

  private final boolean isKey;

  DecryptField(boolean isKey) {
    this.isKey = isKey;
  }

  @Override
  public void configure(Map<String, ?> configs) {
    TransformSettings s = TransformSettings.parse(configs, isKey);
    this.keys = TransformKeys.forReading(s.serde());
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
      outSchema = schema == null ? null : originalSchema(record, schema, "");
      outValue = open(record, schema, value, base, "");
    } else if (schema != null) {
      if (schema.type() != Schema.Type.STRUCT || !(value instanceof Struct struct)) {
        throw new EncryptedFieldException(
            where(record, null)
                + ": pipeseal.fields needs a Struct, the schema is "
                + schema.type());
      }
      outSchema =
          schemas.get(schema, s -> walker.schema(s, (f, p) -> originalSchema(record, f, p)));
      outValue = walker.struct(struct, outSchema, (f, v, p) -> open(record, f, v, base + p, p));
    } else if (value instanceof Map<?, ?> map) {
      outSchema = null;
      outValue = walker.map(map, (f, v, p) -> open(record, null, v, base + p, p));
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

  private boolean acceptsPlaintext() {
    return settings.serde().plaintext() == PlaintextPolicy.ACCEPT;
  }

  private Schema originalSchema(R record, Schema schema, String pointer) {
    if (SealedSchemas.isSealed(schema)) {
      try {
        return SealedSchemas.original(schema);
      } catch (RuntimeException e) {
        throw new EncryptedFieldException(
            where(record, pointer) + ": its schema parameters are not valid: " + e.getMessage(), e);
      }
    }
    if (acceptsPlaintext()) {
      return schema;
    }
    throw new EncryptedFieldException(
        where(record, pointer)
            + ": it is not encrypted (its schema is "
            + schema.type()
            + " without a "
            + SealedSchemas.TYPE
            + " parameter); plaintext is refused (pipeseal.plaintext=accept allows it)");
  }

  private Object open(R record, Schema schema, Object value, String context, String pointer) {
    boolean sealedSchema = schema != null && SealedSchemas.isSealed(schema);
    if (schema != null && !sealedSchema) {
      return value; // plaintext accepted by originalSchema
    }
    byte[] envelope;
    if (value instanceof byte[] b) {
      envelope = b;
    } else if (value instanceof ByteBuffer b) {
      envelope = new byte[b.remaining()];
      b.duplicate().get(envelope);
    } else if (value instanceof String s && schema == null && isBase64(s)) {
      envelope = Base64.getDecoder().decode(s);
    } else if (schema == null && acceptsPlaintext()) {
      return value;
    } else {
      keys.countPlaintextRefused(context);
      throw new EncryptedFieldException(
          where(record, pointer)
              + ": it is not encrypted (a "
              + value.getClass().getSimpleName()
              + ", not envelope bytes); plaintext is refused (pipeseal.plaintext=accept allows it)");
    }
    if (schema == null && acceptsPlaintext() && !keys.looksLikeEnvelope(envelope)) {
      return value;
    }
    Schema original = schema == null ? null : SealedSchemas.original(schema);
    byte[] plain;
    try {
      plain = keys.decrypt(envelope, context);
    } catch (RuntimeException e) {
      throw new EncryptedFieldException(where(record, pointer) + ": " + e.getMessage(), e);
    }
    try {
      return TypedValues.decode(plain, original);
    } catch (UnsupportedTypeException e) {
      keys.countWrongType(context);
      throw new EncryptedFieldException(where(record, pointer) + ": " + e.getMessage(), e);
    } finally {
      java.util.Arrays.fill(plain, (byte) 0);
    }
  }

  private static boolean isBase64(String s) {
    if (s.isEmpty() || s.length() % 4 != 0) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == '+' || c == '/' || c == '=')) {
        return false;
      }
    }
    return true;
  }

  private String where(R record, String pointer) {
    return "pipeseal: cannot decrypt "
        + (pointer == null || pointer.isEmpty()
            ? "the " + settings.serde().side()
            : "field '" + pointer + "' of the " + settings.serde().side())
        + " of a record of topic '"
        + record.topic()
        + "'";
  }

  @Override
  public ConfigDef config() {
    return TransformSettings.decryptDefinition();
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
