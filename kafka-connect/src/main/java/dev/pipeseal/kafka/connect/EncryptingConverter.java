package dev.pipeseal.kafka.connect;

import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import dev.pipeseal.kafka.serde.EncryptingSerializer;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * Wraps any converter ({@code pipeseal.converter}, JSON by default) and encrypts its bytes with
 * {@link EncryptingSerializer} itself, so records on the topic are exactly what a producer with the
 * serializer writes: the same envelope, AAD ({@code topic} or {@code topic#key}) and, where
 * enabled, marker header. A consumer with {@code DecryptingDeserializer} and the Spark function
 * read them.
 *
 * <pre>
 * value.converter=dev.pipeseal.kafka.connect.EncryptingConverter
 * value.converter.pipeseal.converter=org.apache.kafka.connect.json.JsonConverter
 * value.converter.schemas.enable=true
 * value.converter.pipeseal.master-key=orders
 * value.converter.pipeseal.kms.uri=local:///etc/pipeseal/keys.p12
 * </pre>
 *
 * <p>Reading ({@code toConnectData}) decrypts with {@link DecryptingDeserializer}, opened on first
 * use; sinks that only read use {@link DecryptingConverter}, which needs no master key. A failure
 * throws {@link DataException} naming the topic and master key, and nothing is written in clear.
 */
public class EncryptingConverter implements Converter {
  private Converter inner;
  private EncryptingSerializer<byte[]> serializer;
  private boolean isKey;
  private volatile DecryptingConverter reader;
  private Map<String, ?> configs;

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.configs = java.util.Collections.unmodifiableMap(new java.util.HashMap<>(configs));
    this.isKey = isKey;
    this.inner = ConverterSettings.inner(configs, isKey);
    EncryptingSerializer<byte[]> s = new EncryptingSerializer<>(new ByteArraySerializer());
    s.configure(ConverterSettings.pipeseal(configs), isKey);
    this.serializer = s;
  }

  @Override
  public byte[] fromConnectData(String topic, Schema schema, Object value) {
    return fromConnectData(topic, null, schema, value);
  }

  @Override
  public byte[] fromConnectData(String topic, Headers headers, Schema schema, Object value) {
    byte[] plain = inner.fromConnectData(topic, headers, schema, value);
    try {
      return serializer.serialize(topic, headers, plain);
    } catch (RuntimeException e) {
      // The serializer's message names topic and master key and never the value.
      throw new DataException(e.getMessage(), e);
    }
  }

  @Override
  public SchemaAndValue toConnectData(String topic, byte[] value) {
    return toConnectData(topic, null, value);
  }

  @Override
  public SchemaAndValue toConnectData(String topic, Headers headers, byte[] value) {
    DecryptingConverter r = reader;
    if (r == null) {
      synchronized (this) {
        r = reader;
        if (r == null) {
          r = new DecryptingConverter();
          r.configure(configs, isKey);
          reader = r;
        }
      }
    }
    return r.toConnectData(topic, headers, value);
  }

  @Override
  public ConfigDef config() {
    return ConverterSettings.definition(true);
  }

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void close() throws IOException {
    try {
      if (reader != null) {
        reader.close();
      }
    } finally {
      if (serializer != null) {
        serializer.close();
      }
      if (inner != null) {
        inner.close();
      }
    }
  }

  /** For {@link DecryptingConverter}: the deserializer over the same settings. */
  static DecryptingDeserializer<byte[]> deserializer(Map<String, ?> configs, boolean isKey) {
    DecryptingDeserializer<byte[]> d = new DecryptingDeserializer<>(new ByteArrayDeserializer());
    d.configure(ConverterSettings.pipeseal(configs), isKey);
    return d;
  }
}
