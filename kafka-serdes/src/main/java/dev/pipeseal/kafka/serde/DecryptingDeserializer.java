package dev.pipeseal.kafka.serde;

import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.envelope.EnvelopeReader;
import dev.pipeseal.kafka.config.EncryptionMode;
import dev.pipeseal.kafka.config.PlaintextPolicy;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kafka.field.FieldCipher;
import dev.pipeseal.kafka.keys.LeasedEnvelopeReader;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Decrypts what {@link EncryptingSerializer} wrote, then deserializes with an inner deserializer.
 * Any envelope found is decrypted; a record (or field) that is not encrypted is refused unless
 * {@code pipeseal.plaintext=accept} and the record carries no marker header.
 *
 * <p>A value that cannot be decrypted makes this throw {@link SerializationException} whose cause
 * ({@code UndecryptableValueException}) names the topic and the master key; {@code
 * KafkaConsumer.poll} then throws {@code RecordDeserializationException} with the partition and
 * offset, so the application can seek past the record or stop. Nothing is skipped silently. Null
 * values (tombstones) stay null.
 *
 * <p>Whole values are decrypted straight out of the consumer's fetch buffer into the one array the
 * inner deserializer receives.
 */
public class DecryptingDeserializer<T> implements Deserializer<T> {
  private Deserializer<T> inner;
  private SerdeConfig config;
  private LeasedEnvelopeReader keys;
  private EnvelopeReader reader;
  private FieldCipher fields;
  private RecordContexts.Cache contexts;

  /** For configuration by class name: the inner deserializer comes from properties. */
  public DecryptingDeserializer() {}

  /** Wraps {@code inner}; {@link #configure} still sets up keys from properties. */
  public DecryptingDeserializer(Deserializer<T> inner) {
    this.inner = inner;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void configure(Map<String, ?> configs, boolean isKey) {
    SerdeConfig c = SerdeConfig.fromProperties(configs, isKey);
    if (inner == null) {
      String name = c.innerDeserializer();
      inner =
          name == null
              ? (Deserializer<T>) new ByteArrayDeserializer()
              : InnerSerdeLoader.instantiate(
                  c.name(SerdeConfig.DESERIALIZER), name, Deserializer.class);
    }
    inner.configure(configs, isKey);
    LeasedEnvelopeReader k = LeasedEnvelopeReader.open(c);
    this.fields = FieldCipher.forMode(c.mode(), c.fields(), null, k.reader(), c.plaintext());
    this.reader = k.reader();
    this.contexts = new RecordContexts.Cache(c.context(), isKey);
    this.config = c;
    this.keys = k;
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    return deserialize(topic, null, data);
  }

  @Override
  public T deserialize(String topic, Headers headers, byte[] data) {
    if (data == null) {
      return inner.deserialize(topic, headers, (byte[]) null);
    }
    return open(topic, headers, data, 0, data.length);
  }

  @Override
  public T deserialize(String topic, Headers headers, ByteBuffer data) {
    if (data == null) {
      return inner.deserialize(topic, headers, (byte[]) null);
    }
    if (data.hasArray()) {
      return open(
          topic, headers, data.array(), data.arrayOffset() + data.position(), data.remaining());
    }
    // The consumer's fetch buffers are heap buffers; a direct one (another caller) is copied once.
    byte[] copy = new byte[data.remaining()];
    data.duplicate().get(copy);
    return open(topic, headers, copy, 0, copy.length);
  }

  private T open(String topic, Headers headers, byte[] in, int off, int len) {
    if (keys == null) {
      throw new SerializationException("pipeseal: deserializer used before configure()");
    }
    byte[] plain;
    Object value;
    try {
      boolean marked = EncryptionHeaders.isMarked(headers, config.isKey());
      if (config.mode() == EncryptionMode.WHOLE) {
        plain = openWhole(topic, marked, in, off, len);
      } else {
        byte[] bytes =
            off == 0 && len == in.length ? in : java.util.Arrays.copyOfRange(in, off, off + len);
        plain = fields.openBytes(bytes, contexts.name(topic), marked);
      }
      value = inner.deserialize(topic, headers, plain);
      value = fields.openObject(value, contexts.name(topic), marked);
    } catch (SerializationException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new SerializationException(
          "pipeseal: cannot read the "
              + config.side()
              + " of a record of topic '"
              + topic
              + "': "
              + e.getMessage(),
          e);
    }
    @SuppressWarnings("unchecked")
    T t = (T) value;
    return t;
  }

  private byte[] openWhole(String topic, boolean marked, byte[] in, int off, int len) {
    EnvelopeContext ctx = contexts.context(topic);
    if (!marked && !reader.looksLikeEnvelope(in, off, len)) {
      if (config.plaintext() == PlaintextPolicy.ACCEPT) {
        return off == 0 && len == in.length ? in : java.util.Arrays.copyOfRange(in, off, off + len);
      }
      keys.countPlaintextRefused(ctx.description());
      throw new IllegalStateException(
          "the "
              + config.side()
              + " is not encrypted (no "
              + EncryptionHeaders.name(config.isKey())
              + " header and not an envelope); plaintext is refused"
              + " (pipeseal.plaintext=accept allows it during migration)");
    }
    return reader.decrypt(in, off, len, ctx);
  }

  /** The reader's lease, once configured (plugin metrics read its counters); null before. */
  LeasedEnvelopeReader leased() {
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
