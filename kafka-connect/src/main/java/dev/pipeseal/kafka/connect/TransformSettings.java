package dev.pipeseal.kafka.connect;

import dev.pipeseal.kafka.config.SerdeConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Settings of the field transformations. The names are the serializer's ({@code docs/kafka.md}) and
 * {@link SerdeConfig} parses them, so a setting means the same on a producer and in Connect; the
 * {@link ConfigDef}s here only document them for Connect's validation and REST API. {@code
 * pipeseal.kms.*} settings go to the KMS bridge unchanged.
 */
final class TransformSettings {
  static final String FIELDS = SerdeConfig.PREFIX + SerdeConfig.FIELDS;
  static final String KMS_URI = SerdeConfig.PREFIX + "kms.uri";
  static final String KMS_PASSWORD = SerdeConfig.PREFIX + "kms.provider.password";

  // Serializer settings with no meaning for a transformation: refused so a copied producer
  // configuration does not silently half-apply.
  private static final Set<String> NOT_FOR_TRANSFORMS =
      Set.of(
          SerdeConfig.MODE.name(),
          SerdeConfig.SERIALIZER.name(),
          SerdeConfig.DESERIALIZER.name(),
          SerdeConfig.SERDE.name(),
          // Per-subject keys are the serializer's (and converter's); the field transformations
          // encrypt under rotating DEKs only, so a copied setting must not look applied.
          SerdeConfig.SUBJECT.name());

  private final SerdeConfig serde;

  private TransformSettings(SerdeConfig serde) {
    this.serde = serde;
  }

  SerdeConfig serde() {
    return serde;
  }

  /** The configured field pointers; empty means the whole key or value. */
  List<String> fields() {
    return serde.fields();
  }

  /** The name bound into the AAD for records of {@code topic} ({@code pipeseal.context} wins). */
  String contextName(String topic) {
    return dev.pipeseal.kafka.serde.RecordContexts.name(
        serde.context() != null ? serde.context() : topic, serde.isKey());
  }

  static TransformSettings parse(Map<String, ?> configs, boolean isKey) {
    Map<String, Object> p = new HashMap<>();
    for (Map.Entry<String, ?> e : configs.entrySet()) {
      String name = e.getKey();
      if (name == null || !name.startsWith(SerdeConfig.PREFIX)) {
        continue;
      }
      String bare = name.substring(SerdeConfig.PREFIX.length());
      bare =
          bare.startsWith("key.")
              ? bare.substring(4)
              : bare.startsWith("value.") ? bare.substring(6) : bare;
      if (NOT_FOR_TRANSFORMS.contains(bare)) {
        throw new ConfigException(
            name, e.getValue(), "not a setting of the Pipeseal transformations (serializers only)");
      }
      Object v = e.getValue();
      p.put(name, v instanceof Password pw ? pw.value() : v);
    }
    boolean hasFields = false;
    for (Map.Entry<String, Object> e : p.entrySet()) {
      if (!isFields(e.getKey())) {
        continue;
      }
      if (e.getValue() instanceof List<?> list) {
        // Connect may hand LIST-typed settings over parsed; the serializer's parser wants text.
        e.setValue(String.join(",", list.stream().map(String::valueOf).toList()));
      }
      hasFields |= e.getValue() != null && !String.valueOf(e.getValue()).isBlank();
    }
    if (hasFields) {
      // Field pointers are checked by the one parser the serializer's JSON field mode uses.
      p.put(SerdeConfig.PREFIX + SerdeConfig.MODE, "json-fields");
    } else {
      p.keySet().removeIf(TransformSettings::isFields);
    }
    return new TransformSettings(SerdeConfig.fromProperties(p, isKey));
  }

  private static boolean isFields(String name) {
    return !name.startsWith(SerdeConfig.PREFIX + "kms.")
        && (name.equals(FIELDS)
            || name.equals(SerdeConfig.PREFIX + "key." + SerdeConfig.FIELDS)
            || name.equals(SerdeConfig.PREFIX + "value." + SerdeConfig.FIELDS));
  }

  /** The settings of {@code EncryptField}, for Connect's validation and documentation. */
  static ConfigDef encryptDefinition() {
    return common()
        .define(
            SerdeConfig.PREFIX + SerdeConfig.MASTER_KEY,
            ConfigDef.Type.STRING,
            null,
            ConfigDef.Importance.HIGH,
            "Master key new data keys are generated under (randomized encryption).")
        .define(
            SerdeConfig.PREFIX + SerdeConfig.DETERMINISTIC,
            ConfigDef.Type.STRING,
            null,
            ConfigDef.Importance.MEDIUM,
            "true: AES-SIV, equal plaintexts give equal envelopes (default for $Key);"
                + " false: XAES-256-GCM (default for $Value).")
        .define(
            SerdeConfig.PREFIX + SerdeConfig.DETERMINISTIC_DEK,
            ConfigDef.Type.STRING,
            null,
            ConfigDef.Importance.MEDIUM,
            "Fixed wrapped DEK of deterministic encryption (base64, file:/path or env:NAME).")
        .define(
            SerdeConfig.PREFIX + SerdeConfig.DEK_MAX_VALUES,
            ConfigDef.Type.STRING,
            null,
            ConfigDef.Importance.LOW,
            "Values encrypted under one DEK before a fresh one is used (default 1000000).")
        .define(
            SerdeConfig.PREFIX + SerdeConfig.DEK_MAX_AGE,
            ConfigDef.Type.STRING,
            null,
            ConfigDef.Importance.LOW,
            "How long one DEK encrypts new values (default 1h).")
        .define(
            SerdeConfig.PREFIX + SerdeConfig.DEK_PREFETCH_AT,
            ConfigDef.Type.STRING,
            null,
            ConfigDef.Importance.LOW,
            "Fraction of either DEK limit at which the next DEK is fetched (default 0.8).")
        .define(
            SerdeConfig.PREFIX + SerdeConfig.DEK_MAX_WAIT,
            ConfigDef.Type.STRING,
            null,
            ConfigDef.Importance.LOW,
            "How long a record may wait for a usable DEK before the task fails (default 10s).");
  }

  /** The settings of {@code DecryptField}. */
  static ConfigDef decryptDefinition() {
    return common()
        .define(
            SerdeConfig.PREFIX + SerdeConfig.PLAINTEXT,
            ConfigDef.Type.STRING,
            "reject",
            ConfigDef.Importance.MEDIUM,
            "reject: a configured field that is not encrypted fails the record;"
                + " accept: it passes unchanged (migration).");
  }

  private static ConfigDef common() {
    return new ConfigDef()
        .define(
            FIELDS,
            ConfigDef.Type.STRING,
            "",
            ConfigDef.Importance.HIGH,
            "Comma-separated JSON pointers of the fields, e.g. /ssn,/address/street."
                + " Empty: the whole key or value.")
        .define(
            SerdeConfig.PREFIX + SerdeConfig.CONTEXT,
            ConfigDef.Type.STRING,
            null,
            ConfigDef.Importance.LOW,
            "Name bound into the AAD instead of the topic (mirrored or renamed topics).")
        .define(
            KMS_URI,
            ConfigDef.Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            ConfigDef.Importance.HIGH,
            "KMS provider URI; every pipeseal.kms.* setting is passed to the KMS bridge"
                + " (docs/kms-bridge-config.md).")
        .define(
            KMS_PASSWORD,
            ConfigDef.Type.PASSWORD,
            null,
            ConfigDef.Importance.MEDIUM,
            "Key store password reference (env:NAME or file:/path), for local:// stores.");
  }
}
