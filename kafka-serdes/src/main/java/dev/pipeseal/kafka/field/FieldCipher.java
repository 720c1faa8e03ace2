package dev.pipeseal.kafka.field;

import dev.pipeseal.envelope.EnvelopeReader;
import dev.pipeseal.envelope.EnvelopeWriter;
import dev.pipeseal.kafka.config.EncryptionMode;
import dev.pipeseal.kafka.config.PlaintextPolicy;
import java.util.List;

/**
 * Encrypts or decrypts the configured fields of a value. Hooks run either on the object (before the
 * inner serializer, after the inner deserializer: Avro) or on the serialized bytes (after the inner
 * serializer, before the inner deserializer: JSON); the other hooks pass values through.
 *
 * <p>{@code base} is the AAD name of the value (topic, or topic#key); each field's context is
 * {@code base + pointer}. {@code marked} says the record carries the encryption marker header, so
 * every configured field that is present must be an envelope.
 */
public interface FieldCipher {
  default Object sealObject(Object value, String base) {
    return value;
  }

  default byte[] sealBytes(byte[] serialized, String base) {
    return serialized;
  }

  default byte[] openBytes(byte[] serialized, String base, boolean marked) {
    return serialized;
  }

  default Object openObject(Object value, String base, boolean marked) {
    return value;
  }

  /**
   * The cipher for {@code mode}; only the chosen mode's library (Jackson or Avro) is loaded. Either
   * {@code writer} (serializers) or {@code reader} (deserializers) may be null.
   */
  static FieldCipher forMode(
      EncryptionMode mode,
      List<String> fields,
      EnvelopeWriter writer,
      EnvelopeReader reader,
      PlaintextPolicy plaintext) {
    return switch (mode) {
      case WHOLE -> new FieldCipher() {};
      case JSON_FIELDS -> new JsonFields(fields, writer, reader, plaintext);
      case AVRO_FIELDS -> new AvroFields(fields, writer, reader, plaintext);
    };
  }
}
