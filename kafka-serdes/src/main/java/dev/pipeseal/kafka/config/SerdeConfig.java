package dev.pipeseal.kafka.config;

import dev.pipeseal.envelope.DekLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;

/**
 * Everything a Pipeseal serializer or deserializer is configured with, for one side (record key or
 * value), parsed in one place ({@link #fromProperties}) from the Kafka client properties.
 *
 * <p>Every setting {@code pipeseal.NAME} may be overridden for one side as {@code
 * pipeseal.key.NAME} or {@code pipeseal.value.NAME}. Properties under {@code pipeseal.kms.} go to
 * the KMS bridge unchanged (shared by both sides). Unknown names under {@code pipeseal.} are
 * rejected, so a typo never silently falls back to a default. The property table is in {@code
 * docs/kafka.md}.
 *
 * @param isKey whether this configures the record key side
 * @param kmsProperties the {@code pipeseal.kms.*} properties, for {@code KmsBridge.open}
 * @param innerSerializer class name of the wrapped serializer, or null for the default
 * @param innerDeserializer class name of the wrapped deserializer, or null for the default
 * @param innerSerde class name of the wrapped serde (serde only), or null
 * @param mode what is encrypted
 * @param deterministic AES-SIV (equal plaintexts give equal envelopes) instead of XAES-256-GCM
 * @param masterKey master key that new DEKs are generated under (randomized writers)
 * @param deterministicDek base64 wrapped-key record of the fixed deterministic DEK, or null
 * @param fields JSON pointers of the encrypted fields (field modes)
 * @param dekLimits DEK reuse limits of randomized writers
 * @param plaintext what a reader does with records that are not encrypted
 * @param context name bound into the AAD instead of the topic, or null to use the topic
 */
public record SerdeConfig(
    boolean isKey,
    Map<String, String> kmsProperties,
    String innerSerializer,
    String innerDeserializer,
    String innerSerde,
    EncryptionMode mode,
    boolean deterministic,
    String masterKey,
    String deterministicDek,
    List<String> fields,
    DekLimits dekLimits,
    PlaintextPolicy plaintext,
    String context) {

  /** Prefix of every Pipeseal property. */
  public static final String PREFIX = "pipeseal.";

  public static final String SERIALIZER = "serializer";
  public static final String DESERIALIZER = "deserializer";
  public static final String SERDE = "serde";
  public static final String MODE = "mode";
  public static final String DETERMINISTIC = "deterministic";
  public static final String MASTER_KEY = "master-key";
  public static final String DETERMINISTIC_DEK = "deterministic.dek";
  public static final String FIELDS = "fields";
  public static final String DEK_MAX_VALUES = "dek.max-values";
  public static final String DEK_MAX_AGE = "dek.max-age";
  public static final String DEK_PREFETCH_AT = "dek.prefetch-at";
  public static final String DEK_MAX_WAIT = "dek.max-wait";
  public static final String PLAINTEXT = "plaintext";
  public static final String CONTEXT = "context";

  private static final String KMS_PREFIX = PREFIX + "kms.";
  private static final Set<String> KNOWN =
      Set.of(
          SERIALIZER,
          DESERIALIZER,
          SERDE,
          MODE,
          DETERMINISTIC,
          MASTER_KEY,
          DETERMINISTIC_DEK,
          FIELDS,
          DEK_MAX_VALUES,
          DEK_MAX_AGE,
          DEK_PREFETCH_AT,
          DEK_MAX_WAIT,
          PLAINTEXT,
          CONTEXT);
  // Kafka topic names are [a-zA-Z0-9._-]; a context override follows the same rule so that the
  // AAD conventions (topic, topic#key, topic/pointer) stay unambiguous.
  private static final Pattern TOPIC_LIKE = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  public SerdeConfig {
    kmsProperties = Map.copyOf(kmsProperties);
    fields = List.copyOf(fields);
  }

  /** The side this configures, as used in property names and messages: "key" or "value". */
  public String side() {
    return isKey ? "key" : "value";
  }

  /**
   * Parses the Pipeseal settings of one side from Kafka client properties (values may be strings
   * or, as Kafka allows, classes, numbers and booleans).
   *
   * @throws ConfigException naming the property, for any invalid or unknown setting
   */
  public static SerdeConfig fromProperties(Map<String, ?> configs, boolean isKey) {
    Map<String, String> all = new TreeMap<>();
    Map<String, String> kms = new TreeMap<>();
    for (Map.Entry<String, ?> e : configs.entrySet()) {
      String name = e.getKey();
      if (name == null || !name.startsWith(PREFIX) || e.getValue() == null) {
        continue;
      }
      String value =
          e.getValue() instanceof Class<?> c ? c.getName() : String.valueOf(e.getValue()).strip();
      if (name.startsWith(KMS_PREFIX)) {
        kms.put(name, value);
        continue;
      }
      String rest = name.substring(PREFIX.length());
      String bare =
          rest.startsWith("key.")
              ? rest.substring(4)
              : rest.startsWith("value.") ? rest.substring(6) : rest;
      if (!KNOWN.contains(bare)) {
        throw new ConfigException(
            name, e.getValue(), "unknown Pipeseal property; see docs/kafka.md for the list");
      }
      all.put(name, value);
    }
    Reader r = new Reader(all, isKey ? "key." : "value.");

    EncryptionMode mode = EncryptionMode.WHOLE;
    String modeText = r.get(MODE);
    if (modeText != null) {
      mode = EncryptionMode.parse(modeText.toLowerCase(Locale.ROOT));
      if (mode == null) {
        throw r.invalid(MODE, "must be whole, json-fields or avro-fields");
      }
    }
    boolean deterministic = isKey;
    String detText = r.get(DETERMINISTIC);
    if (detText != null) {
      if (!detText.equalsIgnoreCase("true") && !detText.equalsIgnoreCase("false")) {
        throw r.invalid(DETERMINISTIC, "must be true or false");
      }
      deterministic = Boolean.parseBoolean(detText);
    }
    String dek = r.get(DETERMINISTIC_DEK);
    if (dek != null) {
      dek = resolveReference(r, DETERMINISTIC_DEK, dek);
    }
    List<String> fields = new ArrayList<>();
    String fieldsText = r.get(FIELDS);
    if (fieldsText != null) {
      for (String f : fieldsText.split(",")) {
        String p = f.strip();
        if (p.isEmpty()) {
          continue;
        }
        if (!p.startsWith("/") || p.length() < 2) {
          throw r.invalid(FIELDS, "fields are JSON pointers such as /ssn or /address/street");
        }
        fields.add(p);
      }
    }
    if (mode != EncryptionMode.WHOLE && fields.isEmpty()) {
      throw r.invalid(MODE, mode.propertyValue() + " needs " + PREFIX + FIELDS);
    }
    if (mode == EncryptionMode.WHOLE && !fields.isEmpty()) {
      throw r.invalid(FIELDS, "fields are only used with mode json-fields or avro-fields");
    }
    if (mode == EncryptionMode.AVRO_FIELDS) {
      for (String f : fields) {
        if (f.indexOf('/', 1) >= 0 || f.contains("~")) {
          throw r.invalid(FIELDS, "avro-fields supports top-level fields only (/name): " + f);
        }
      }
    }
    DekLimits defaults = DekLimits.DEFAULTS;
    long maxValues = defaults.maxValues();
    String mv = r.get(DEK_MAX_VALUES);
    if (mv != null) {
      try {
        maxValues = Long.parseLong(mv.replace("_", ""));
      } catch (NumberFormatException e) {
        throw r.invalid(DEK_MAX_VALUES, "must be a whole number");
      }
      if (maxValues < 1 || maxValues > (1L << 40)) {
        throw r.invalid(DEK_MAX_VALUES, "must be in [1, 2^40]");
      }
    }
    Duration maxAge = r.duration(DEK_MAX_AGE, defaults.maxAge());
    if (maxAge.isZero()) {
      throw r.invalid(DEK_MAX_AGE, "must be positive");
    }
    double prefetchAt = defaults.prefetchAt();
    String pa = r.get(DEK_PREFETCH_AT);
    if (pa != null) {
      try {
        prefetchAt = Double.parseDouble(pa);
      } catch (NumberFormatException e) {
        throw r.invalid(DEK_PREFETCH_AT, "must be a number in (0, 1]");
      }
      if (!(prefetchAt > 0 && prefetchAt <= 1)) {
        throw r.invalid(DEK_PREFETCH_AT, "must be a number in (0, 1]");
      }
    }
    Duration maxWait = r.duration(DEK_MAX_WAIT, defaults.maxWait());
    PlaintextPolicy plaintext = PlaintextPolicy.REJECT;
    String pt = r.get(PLAINTEXT);
    if (pt != null) {
      switch (pt.toLowerCase(Locale.ROOT)) {
        case "reject" -> plaintext = PlaintextPolicy.REJECT;
        case "accept" -> plaintext = PlaintextPolicy.ACCEPT;
        default -> throw r.invalid(PLAINTEXT, "must be reject or accept");
      }
    }
    String context = r.get(CONTEXT);
    if (context != null && !TOPIC_LIKE.matcher(context).matches()) {
      throw r.invalid(CONTEXT, "must look like a topic name ([a-zA-Z0-9._-], 1..249 chars)");
    }
    return new SerdeConfig(
        isKey,
        kms,
        r.get(SERIALIZER),
        r.get(DESERIALIZER),
        r.get(SERDE),
        mode,
        deterministic,
        r.get(MASTER_KEY),
        dek,
        fields,
        new DekLimits(maxValues, maxAge, prefetchAt, maxWait),
        plaintext,
        context);
  }

  /**
   * Checks what a writer needs (a reader needs neither): a master key for randomized envelopes, a
   * configured DEK for deterministic ones, and a KMS.
   */
  public void requireWriterSettings() {
    requireKms();
    if (deterministic && deterministicDek == null) {
      throw new ConfigException(
          name(DETERMINISTIC_DEK),
          null,
          "deterministic "
              + side()
              + " encryption needs a fixed wrapped DEK so that equal "
              + side()
              + "s give equal bytes on every producer; create one once (docs/kafka.md) and set it");
    }
    if (!deterministic && (masterKey == null || masterKey.isEmpty())) {
      throw new ConfigException(
          name(MASTER_KEY), null, "the master key to encrypt under is required");
    }
  }

  /** Checks that a KMS is configured. */
  public void requireKms() {
    if (!kmsProperties.containsKey(KMS_PREFIX + "uri")) {
      throw new ConfigException(KMS_PREFIX + "uri", null, "a KMS URI is required");
    }
  }

  /** The property name a setting of this side is best set under, for messages. */
  public String name(String setting) {
    return PREFIX + side() + "." + setting;
  }

  private static String resolveReference(Reader r, String setting, String value) {
    if (value.startsWith("file:")) {
      try {
        return Files.readString(Path.of(value.substring(5)), StandardCharsets.UTF_8).strip();
      } catch (IOException | RuntimeException e) {
        throw r.invalid(setting, "cannot read " + value + ": " + e.getClass().getSimpleName());
      }
    }
    if (value.startsWith("env:")) {
      String v = System.getenv(value.substring(4));
      if (v == null) {
        throw r.invalid(setting, "environment variable " + value.substring(4) + " is not set");
      }
      return v.strip();
    }
    return value;
  }

  /** Looks a setting up for one side, falling back to the shared name. */
  private record Reader(Map<String, String> props, String sidePrefix) {
    String get(String setting) {
      String v = props.get(PREFIX + sidePrefix + setting);
      return v != null ? v : props.get(PREFIX + setting);
    }

    String nameOf(String setting) {
      return props.containsKey(PREFIX + sidePrefix + setting)
          ? PREFIX + sidePrefix + setting
          : PREFIX + setting;
    }

    ConfigException invalid(String setting, String why) {
      return new ConfigException(nameOf(setting), get(setting), why);
    }

    Duration duration(String setting, Duration dflt) {
      String text = get(setting);
      if (text == null) {
        return dflt;
      }
      Matcher m = SHORT_DURATION.matcher(text);
      try {
        Duration d;
        if (m.matches()) {
          long n = Long.parseLong(m.group(1));
          d =
              switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
              };
        } else {
          d = Duration.parse(text);
        }
        if (d.isNegative()) {
          throw invalid(setting, "must not be negative");
        }
        return d;
      } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
        throw invalid(setting, "must be a duration such as 500ms, 10s, 5m, 1h, 1d or PT1M30S");
      }
    }
  }
}
