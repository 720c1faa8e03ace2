package dev.pipeseal.kafka.connect;

import dev.pipeseal.kafka.config.SerdeConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.connect.storage.Converter;

/**
 * Splits a converter's configuration between the wrapped converter (everything not under {@code
 * pipeseal.}) and the serializer or deserializer that encrypts its bytes (everything under {@code
 * pipeseal.} except {@code pipeseal.converter}), and instantiates the wrapped converter.
 */
final class ConverterSettings {
  static final String CONVERTER = "pipeseal.converter";
  static final String DEFAULT_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

  private ConverterSettings() {}

  static Converter inner(Map<String, ?> configs, boolean isKey) {
    Object name = configs.get(CONVERTER);
    String className =
        name == null
            ? DEFAULT_CONVERTER
            : name instanceof Class<?> c ? c.getName() : String.valueOf(name).strip();
    Converter c;
    try {
      Class<?> k = Class.forName(className, true, classLoader());
      if (!Converter.class.isAssignableFrom(k)) {
        throw new ConfigException(CONVERTER, className, "not a Kafka Connect Converter");
      }
      c = (Converter) k.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new ConfigException(
          CONVERTER, className, "cannot load the converter: " + e.getClass().getSimpleName());
    }
    Map<String, Object> own = new HashMap<>();
    for (Map.Entry<String, ?> e : configs.entrySet()) {
      if (!e.getKey().startsWith(SerdeConfig.PREFIX)) {
        own.put(e.getKey(), e.getValue());
      }
    }
    c.configure(own, isKey);
    return c;
  }

  /** The {@code pipeseal.*} settings for the serializer or deserializer. */
  static Map<String, Object> pipeseal(Map<String, ?> configs) {
    Map<String, Object> p = new HashMap<>();
    for (Map.Entry<String, ?> e : configs.entrySet()) {
      if (e.getKey().startsWith(SerdeConfig.PREFIX) && !e.getKey().equals(CONVERTER)) {
        p.put(e.getKey(), e.getValue() instanceof Password pw ? pw.value() : e.getValue());
      }
    }
    return p;
  }

  private static ClassLoader classLoader() {
    // Connect sets the plugin's loader as context loader while configuring it; the wrapped
    // converter may live in another plugin directory reachable only from there.
    ClassLoader l = Thread.currentThread().getContextClassLoader();
    return l != null ? l : ConverterSettings.class.getClassLoader();
  }

  static ConfigDef definition(boolean writer) {
    ConfigDef d =
        new ConfigDef()
            .define(
                CONVERTER,
                ConfigDef.Type.STRING,
                DEFAULT_CONVERTER,
                ConfigDef.Importance.HIGH,
                "The converter whose bytes are encrypted (JSON, Avro, String...); it gets every"
                    + " setting not under pipeseal.")
            .define(
                TransformSettings.KMS_URI,
                ConfigDef.Type.STRING,
                ConfigDef.NO_DEFAULT_VALUE,
                ConfigDef.Importance.HIGH,
                "KMS provider URI; every pipeseal.kms.* setting goes to the KMS bridge.")
            .define(
                TransformSettings.KMS_PASSWORD,
                ConfigDef.Type.PASSWORD,
                null,
                ConfigDef.Importance.MEDIUM,
                "Key store password reference (env:NAME or file:/path), for local:// stores.");
    if (writer) {
      d.define(
          SerdeConfig.PREFIX + SerdeConfig.MASTER_KEY.name(),
          ConfigDef.Type.STRING,
          null,
          ConfigDef.Importance.HIGH,
          "Master key new data keys are generated under. Other pipeseal.* settings are the"
              + " serializer's (docs/kafka.md).");
    } else {
      d.define(
          SerdeConfig.PREFIX + SerdeConfig.PLAINTEXT.name(),
          ConfigDef.Type.STRING,
          "reject",
          ConfigDef.Importance.MEDIUM,
          "reject or accept records that are not envelopes and carry no marker header.");
    }
    return d;
  }
}
