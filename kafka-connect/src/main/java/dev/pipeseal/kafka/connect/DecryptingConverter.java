package dev.pipeseal.kafka.connect;

import dev.pipeseal.kafka.serde.DecryptingDeserializer;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * For sinks: decrypts records written by {@link EncryptingConverter} or by a producer with {@code
 * EncryptingSerializer} ({@link DecryptingDeserializer} does the work), then hands the plaintext
 * bytes to the wrapped converter ({@code pipeseal.converter}). Needs only KMS access.
 *
 * <p>A record that does not decrypt throws {@link DataException} naming the topic and master key;
 * Connect's {@code errors.tolerance} and dead-letter queue then apply (the dead-letter topic gets
 * the record as it was, still encrypted). Writing is refused: a converter configured to decrypt
 * must never put plaintext on a topic.
 */
public class DecryptingConverter implements Converter {
  private Converter inner;
  private DecryptingDeserializer<byte[]> deserializer;

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    this.inner = ConverterSettings.inner(configs, isKey);
    this.deserializer = EncryptingConverter.deserializer(configs, isKey);
  }

  @Override
  public byte[] fromConnectData(String topic, Schema schema, Object value) {
    throw new DataException(
        "pipeseal: DecryptingConverter only reads; refusing to write a record for topic '"
            + topic
            + "' unencrypted (use EncryptingConverter to write)");
  }

  @Override
  public SchemaAndValue toConnectData(String topic, byte[] value) {
    return toConnectData(topic, null, value);
  }

  @Override
  public SchemaAndValue toConnectData(String topic, Headers headers, byte[] value) {
    byte[] plain;
    try {
      plain = deserializer.deserialize(topic, headers, value);
    } catch (RuntimeException e) {
      throw new DataException(e.getMessage(), e);
    }
    return inner.toConnectData(topic, headers, plain);
  }

  @Override
  public ConfigDef config() {
    return ConverterSettings.definition(false);
  }

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void close() throws IOException {
    try {
      if (deserializer != null) {
        deserializer.close();
      }
    } finally {
      if (inner != null) {
        inner.close();
      }
    }
  }
}
