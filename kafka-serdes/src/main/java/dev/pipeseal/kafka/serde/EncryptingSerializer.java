package dev.pipeseal.kafka.serde;

import dev.pipeseal.kafka.config.EncryptionMode;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kafka.field.FieldCipher;
import dev.pipeseal.kafka.keys.LeasedEnvelopeWriter;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializes with an inner serializer, then encrypts the result (or selected fields) into envelopes
 * v1 and marks the record with the {@link EncryptionHeaders} header. Configured only through client
 * properties ({@code pipeseal.*}, see {@code docs/kafka.md}):
 *
 * <pre>
 * value.serializer=dev.pipeseal.kafka.serde.EncryptingSerializer
 * pipeseal.value.serializer=org.apache.kafka.common.serialization.StringSerializer
 * pipeseal.master-key=orders
 * pipeseal.kms.uri=local:///etc/pipeseal/keys.p12
 * </pre>
 *
 * <p>Fails closed: when anything goes wrong it throws {@link SerializationException} (so {@code
 * send()} fails) and never returns the plaintext. Null values (tombstones) stay null. Thread-safe,
 * as Kafka producers require.
 */
public class EncryptingSerializer<T> implements Serializer<T> {
  private Serializer<T> inner;
  private SerdeConfig config;
  private LeasedEnvelopeWriter keys;
  private FieldCipher fields;
  private RecordContexts.Cache contexts;

  /** For configuration by class name: the inner serializer comes from properties. */
  public EncryptingSerializer() {}

  /** Wraps {@code inner}; {@link #configure} still sets up keys from properties. */
  public EncryptingSerializer(Serializer<T> inner) {
    this.inner = inner;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void configure(Map<String, ?> configs, boolean isKey) {
    SerdeConfig c = SerdeConfig.fromProperties(configs, isKey);
    if (inner == null) {
      String name = c.innerSerializer();
      inner =
          name == null
              ? (Serializer<T>) new ByteArraySerializer()
              : InnerSerdeLoader.instantiate(
                  c.name(SerdeConfig.SERIALIZER), name, Serializer.class);
    }
    inner.configure(configs, isKey);
    LeasedEnvelopeWriter k = LeasedEnvelopeWriter.open(c);
    this.fields = FieldCipher.forMode(c.mode(), c.fields(), k.writer(), null, c.plaintext());
    this.contexts = new RecordContexts.Cache(c.context(), isKey);
    this.config = c;
    this.keys = k;
  }

  @Override
  public byte[] serialize(String topic, T data) {
    return serialize(topic, null, data);
  }

  @Override
  public byte[] serialize(String topic, Headers headers, T data) {
    if (keys == null) {
      throw new SerializationException("pipeseal: serializer used before configure()");
    }
    if (data == null) {
      // A tombstone stays a tombstone (compaction); an inner serializer that writes bytes for
      // null still gets them encrypted below.
      byte[] none = inner.serialize(topic, headers, null);
      if (none == null) {
        return null;
      }
      return seal(topic, headers, none);
    }
    Object value;
    try {
      value = fields.sealObject(data, contexts.name(topic));
    } catch (RuntimeException e) {
      throw failure(topic, e);
    }
    @SuppressWarnings("unchecked")
    byte[] plain = inner.serialize(topic, headers, (T) value);
    if (plain == null) {
      throw new SerializationException(
          "pipeseal: the inner serializer returned null for a non-null "
              + config.side()
              + " of topic '"
              + topic
              + "'; refusing to send it unencrypted");
    }
    return seal(topic, headers, plain);
  }

  private byte[] seal(String topic, Headers headers, byte[] plain) {
    byte[] out;
    try {
      out =
          config.mode() == EncryptionMode.WHOLE
              ? keys.writer().encrypt(plain, contexts.context(topic))
              : fields.sealBytes(plain, contexts.name(topic));
    } catch (RuntimeException e) {
      throw failure(topic, e);
    }
    EncryptionHeaders.mark(headers, config.isKey());
    return out;
  }

  private SerializationException failure(String topic, RuntimeException e) {
    return new SerializationException(
        "pipeseal: cannot encrypt the "
            + config.side()
            + " of a record for topic '"
            + topic
            + "' under master key '"
            + keys.keyName()
            + "'; nothing was sent: "
            + e.getMessage(),
        e);
  }

  /** The writer's lease, once configured (plugin metrics read its counters); null before. */
  LeasedEnvelopeWriter leased() {
    return keys;
  }

  @Override
  public void close() {
    try {
      if (inner != null) {
        inner.close();
      }
    } finally {
      if (keys != null) {
        keys.close();
        keys = null;
      }
    }
  }
}
