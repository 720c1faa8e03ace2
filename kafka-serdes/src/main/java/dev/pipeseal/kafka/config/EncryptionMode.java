package dev.pipeseal.kafka.config;

/** What part of a record key or value is encrypted. */
public enum EncryptionMode {
  /** The whole serialized value becomes one envelope. */
  WHOLE("whole"),
  /** Selected fields (JSON pointers) of a JSON value become base64 envelope strings. */
  JSON_FIELDS("json-fields"),
  /** Selected fields of an Avro {@code GenericRecord} become {@code bytes} envelopes. */
  AVRO_FIELDS("avro-fields");

  private final String propertyValue;

  EncryptionMode(String propertyValue) {
    this.propertyValue = propertyValue;
  }

  /** The value of {@code pipeseal.mode} that selects this mode. */
  public String propertyValue() {
    return propertyValue;
  }

  static EncryptionMode parse(String text) {
    for (EncryptionMode m : values()) {
      if (m.propertyValue.equals(text)) {
        return m;
      }
    }
    return null;
  }
}
