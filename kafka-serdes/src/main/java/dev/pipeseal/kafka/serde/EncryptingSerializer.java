package dev.pipeseal.kafka.serde;

import dev.pipeseal.kafka.config.EncryptionMode;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kafka.field.FieldCipher;
import dev.pipeseal.kafka.keys.LeasedEnvelopeWriter;
import dev.pipeseal.kafka.subject.SubjectEnvelopeWriter;
import dev.pipeseal.kafka.subject.SubjectSource;
import dev.pipeseal.kms.registry.SubjectErasedException;
import dev.pipeseal.kms.registry.SubjectHash;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serializes with an inner serializer, then encrypts the result (or selected fields) into envelopes
 * (and, with {@code pipeseal.marker-header=true}, marks the record with the {@link
 * EncryptionHeaders} header). Configured only through client properties ({@code pipeseal.*}, see
 * {@code docs/kafka.md}):
 *
 * <pre>
 * value.serializer=dev.pipeseal.kafka.serde.EncryptingSerializer
 * pipeseal.value.serializer=org.apache.kafka.common.serialization.StringSerializer
 * pipeseal.master-key=orders
 * pipeseal.kms.uri=local:///etc/pipeseal/keys.p12
 * </pre>
 *
 * <p>With {@code pipeseal.value.subject} (the record key, a header or a JSON pointer), each value
 * is encrypted under its data subject's own key from {@code pipeseal.registry}, so {@code pipeseal
 * shred} can erase one subject's records (crypto-shredding); a record whose subject cannot be found
 * is refused.
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
  private SubjectEnvelopeWriter subjects;
  private SubjectSource subjectSource;

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
    this.contexts = new RecordContexts.Cache(c.context(), isKey);
    if (c.subject() != null) {
      SubjectEnvelopeWriter w = SubjectEnvelopeWriter.open(c);
      this.subjectSource = SubjectSource.parse(c.subject());
      this.fields = FieldCipher.forMode(c.mode(), c.fields(), null, null, c.plaintext());
      this.config = c;
      this.subjects = w;
      return;
    }
    LeasedEnvelopeWriter k = LeasedEnvelopeWriter.open(c);
    this.fields = FieldCipher.forMode(c.mode(), c.fields(), k.writer(), null, c.plaintext());
    this.config = c;
    this.keys = k;
  }

  @Override
  public byte[] serialize(String topic, T data) {
    return serialize(topic, null, data);
  }

  @Override
  public byte[] serialize(String topic, Headers headers, T data) {
    if (keys == null && subjects == null) {
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
    if (subjects != null) {
      byte[] out = sealForSubject(topic, headers, plain);
      mark(headers);
      return out;
    }
    byte[] out;
    try {
      out =
          config.mode() == EncryptionMode.WHOLE
              ? keys.writer().encrypt(plain, contexts.context(topic))
              : fields.sealBytes(plain, contexts.name(topic));
    } catch (RuntimeException e) {
      throw failure(topic, e);
    }
    mark(headers);
    return out;
  }

  private void mark(Headers headers) {
    if (config.markerHeader()) {
      EncryptionHeaders.mark(headers, config.isKey());
    }
  }

  private byte[] sealForSubject(String topic, Headers headers, byte[] plain) {
    String setting = config.name(SerdeConfig.SUBJECT) + "=" + config.subject();
    byte[] id;
    try {
      id = subjectSource.extract(headers, plain);
    } catch (IllegalArgumentException e) {
      throw new SerializationException(
          "pipeseal: cannot find the subject of a record for topic '"
              + topic
              + "' ("
              + setting
              + "): "
              + e.getMessage()
              + "; nothing was sent");
    }
    if (id == null) {
      throw new SerializationException(
          "pipeseal: cannot find the subject of a record for topic '"
              + topic
              + "' ("
              + setting
              + "): "
              + subjectSource.missing()
              + "; nothing was sent");
    }
    SubjectHash subject = subjects.hash(id);
    java.util.Arrays.fill(id, (byte) 0);
    try {
      return subjects.encrypt(subject, plain, contexts.context(topic));
    } catch (SubjectErasedException e) {
      throw new SerializationException(
          "pipeseal: subject "
              + subject.hex()
              + " of a record for topic '"
              + topic
              + "' was erased (shredded); nothing is encrypted for it and nothing was sent",
          e);
    } catch (RuntimeException e) {
      throw new SerializationException(
          "pipeseal: cannot encrypt the "
              + config.side()
              + " of a record for topic '"
              + topic
              + "' under the key of subject "
              + subject.hex()
              + " (master key '"
              + subjects.keyName()
              + "'); nothing was sent: "
              + e.getMessage(),
          e);
    }
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
      if (subjects != null) {
        subjects.close();
        subjects = null;
      }
    }
  }
}
