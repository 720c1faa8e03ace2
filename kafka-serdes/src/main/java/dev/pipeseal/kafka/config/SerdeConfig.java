package dev.pipeseal.kafka.config;

import dev.pipeseal.envelope.DekLimits;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.registry.SubjectHasher;
import dev.pipeseal.kms.secret.Secret;
import dev.pipeseal.kms.secret.SecretReference;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Settings;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a Pipeseal serializer or deserializer is configured with, for one side (record key or
 * value), parsed in one place ({@link #fromProperties}) from the Kafka client properties.
 *
 * <p>Every setting {@code pipeseal.NAME} may be overridden for one side as {@code
 * pipeseal.key.NAME} or {@code pipeseal.value.NAME}. Properties under {@code pipeseal.kms.} go to
 * the KMS bridge unchanged (shared by both sides). Unknown names under {@code pipeseal.} are
 * rejected with the nearest valid name, so a typo never silently falls back to a default. The
 * properties are declared in {@link #PROPERTIES} and listed in {@code docs/settings.md}.
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
 * @param keyReferences how randomized writers' envelopes name their DEK
 * @param registry key registry location, or null (readers resolve registry ids through it)
 * @param registryOptions options of the registry ({@code pipeseal.registry.*} as {@code
 *     registry.*}, the registry's own names)
 * @param subject where a writer finds each record's data subject ({@code key}, {@code header:NAME}
 *     or a JSON pointer), or null when values are not encrypted per subject
 * @param subjectHasher the keyed hash of subject ids ({@code pipeseal.subject.prf-key}), or null
 *     when that key is not set (readers need none)
 * @param envelopeVersion envelope format version of randomized writers with inline key references
 * @param markerHeader whether writers add the {@code pipeseal.enc} marker header to each record
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
    String context,
    KeyReferences keyReferences,
    String registry,
    Map<String, String> registryOptions,
    String subject,
    SubjectHasher subjectHasher,
    int envelopeVersion,
    boolean markerHeader) {

  /** Prefix of every Pipeseal property. */
  public static final String PREFIX = "pipeseal.";

  private static final String KMS_PREFIX = PREFIX + "kms.";
  private static final String REGISTRY_PREFIX = PREFIX + "registry.";
  // Kafka topic names are [a-zA-Z0-9._-]; a context override follows the same rule so that the
  // AAD conventions (topic, topic#key, topic/pointer) stay unambiguous.
  private static final Pattern TOPIC_LIKE = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final Logger LOG = LoggerFactory.getLogger(SerdeConfig.class);

  public static final Property<String> SERIALIZER =
      Property.string("serializer", null, "Class of the wrapped serializer (EncryptingSerializer).")
          .withDefaultText("byte[] pass-through");
  public static final Property<String> DESERIALIZER =
      Property.string(
              "deserializer", null, "Class of the wrapped deserializer (DecryptingDeserializer).")
          .withDefaultText("byte[] pass-through");
  public static final Property<String> SERDE =
      Property.string("serde", null, "Class of the wrapped serde (EncryptingSerde).");
  public static final Property<EncryptionMode> MODE =
      Property.choice("mode", EncryptionMode.class, EncryptionMode.WHOLE, "What is encrypted.");
  public static final Property<Boolean> DETERMINISTIC =
      Property.bool(
              "deterministic",
              null,
              "AES-SIV (equal plaintexts give equal envelopes) instead of XAES-256-GCM.")
          .withDefaultText("true for keys, false for values");
  public static final Property<String> MASTER_KEY =
      Property.string(
          "master-key", null, "Master key new DEKs are generated under (randomized writers).");
  public static final Property<String> DETERMINISTIC_DEK =
      Property.string(
          "deterministic.dek",
          null,
          "Base64 wrapped-key record of the fixed deterministic DEK, inline or as env:NAME or"
              + " file:/path.");
  public static final Property<List<String>> FIELDS =
      Property.list("fields", "JSON pointers of the encrypted fields (json-fields, avro-fields).")
          .withCheck(
              list -> list.stream().allMatch(f -> f.startsWith("/") && f.length() > 1),
              "fields are JSON pointers such as /ssn or /address/street");
  public static final Property<Long> DEK_MAX_VALUES =
      Property.longInteger(
          "dek.max-values",
          DekLimits.DEFAULTS.maxValues(),
          1,
          1L << 40,
          "Values sealed under one DEK before it is replaced.");
  public static final Property<Duration> DEK_MAX_AGE =
      Property.duration(
              "dek.max-age",
              DekLimits.DEFAULTS.maxAge(),
              ChronoUnit.SECONDS,
              "How long one DEK seals new values.")
          .withCheck(d -> !d.isZero(), "must be positive");
  public static final Property<Double> DEK_PREFETCH_AT =
      Property.of(
          "dek.prefetch-at",
          "number in (0, 1]",
          DekLimits.DEFAULTS.prefetchAt(),
          SerdeConfig::fraction,
          "Fraction of either limit at which the next DEK is fetched in the background.");
  public static final Property<Duration> DEK_MAX_WAIT =
      Property.duration(
          "dek.max-wait",
          DekLimits.DEFAULTS.maxWait(),
          ChronoUnit.MILLIS,
          "How long an encryption may block when no usable DEK is at hand.");
  public static final Property<PlaintextPolicy> PLAINTEXT =
      Property.choice(
          "plaintext",
          PlaintextPolicy.class,
          PlaintextPolicy.REJECT,
          "What a reader does with records that are not encrypted.");
  public static final Property<String> CONTEXT =
      Property.string(
              "context",
              null,
              "Name bound into the AAD instead of the topic; looks like a topic name.")
          .withDefaultText("the topic")
          .withCheck(
              c -> TOPIC_LIKE.matcher(c).matches(),
              "must look like a topic name ([a-zA-Z0-9._-], 1..249 chars)");

  public static final Property<KeyReferences> KEY_REFERENCES =
      Property.choice(
          "key-references",
          KeyReferences.class,
          KeyReferences.INLINE,
          "How randomized writers' envelopes name their DEK: inline (the wrapped DEK in every"
              + " record) or registry (an 8-byte id into pipeseal.registry).");
  public static final Property<Integer> ENVELOPE_VERSION =
      Property.integer(
          "envelope-version",
          2,
          1,
          2,
          "Envelope format of randomized writers with inline key references: 2 authenticates a"
              + " SHA-256 digest of the envelope header (with the inline wrapped DEK, about 190"
              + " bytes) instead of the header itself, which costs less CPU per record; 1 keeps"
              + " records readable by consumers of releases before 2 was added (they reject 2)."
              + " Registry references and deterministic writers always write 1.");
  public static final Property<Boolean> MARKER_HEADER =
      Property.bool(
          "marker-header",
          false,
          "Writers: also add the header pipeseal.enc=v1 (pipeseal.enc.key=v1 for keys) to each"
              + " encrypted record, for tools that route on it and for pipeseal.plaintext=accept"
              + " consumers of earlier builds. Readers tell envelopes from plaintext by their shape"
              + " without it; it costs Kafka about 150-350 ns per record on the sending thread.");
  public static final Property<String> REGISTRY =
      Property.string(
          "registry",
          null,
          "Key registry location (a directory, a file-system URI or kafka:TOPIC, a compacted"
              + " topic) for registry key references; readers of such records need it too. Needs"
              + " pipeseal-key-registry (and pipeseal-key-registry-kafka for kafka:) on the"
              + " classpath; options go under pipeseal.registry.*.");

  /** {@link #SUBJECT} value naming the record key. */
  public static final String SUBJECT_KEY = "key";

  /** Prefix of {@link #SUBJECT} values naming a header. */
  public static final String SUBJECT_HEADER = "header:";

  public static final Property<String> SUBJECT =
      Property.string(
              "subject",
              null,
              "Encrypt each value under the key of its data subject (crypto-shredding), found in"
                  + " the record: key (the record key, handed over by SubjectKeyInterceptor),"
                  + " header:NAME (a header's UTF-8 value) or a JSON pointer into a JSON value"
                  + " (e.g. /user/id). Needs pipeseal.registry and pipeseal.subject.prf-key.")
          .withDefaultText("none (one DEK for all records)")
          .withCheck(
              SerdeConfig::validSubject,
              "must be key, header:NAME or a JSON pointer such as /user/id");

  /**
   * The subject PRF key, as Spark and the shred command name it (here pipeseal.subject.prf-key).
   */
  public static final Property<SecretReference> SUBJECT_PRF_KEY = SubjectHasher.PRF_KEY;

  /**
   * Every serde property, relative to {@value #PREFIX}; each may be set per side as {@code
   * pipeseal.key.NAME} or {@code pipeseal.value.NAME}.
   */
  public static final PropertySet PROPERTIES =
      PropertySet.of(
              "Kafka serializers and deserializers",
              PREFIX,
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
              CONTEXT,
              KEY_REFERENCES,
              ENVELOPE_VERSION,
              MARKER_HEADER,
              REGISTRY,
              SUBJECT,
              SUBJECT_PRF_KEY)
          .withPassThrough("kms.", "the KMS bridge (pipeseal.kms.*, shared by both sides)")
          .withPassThrough(
              "registry.",
              "the key registry (pipeseal.registry.*, e.g. store, cache-size, kafka.*)");

  public SerdeConfig {
    kmsProperties = Map.copyOf(kmsProperties);
    fields = List.copyOf(fields);
    registryOptions = Map.copyOf(registryOptions);
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
    try {
      return parse(configs, isKey);
    } catch (KmsConfigException e) {
      // Kafka clients report ConfigException; the message names the property, never a secret.
      throw new ConfigException(e.getMessage());
    }
  }

  private static SerdeConfig parse(Map<String, ?> configs, boolean isKey) {
    Settings all = Settings.of(configs).withSource("kafka").withWarnings(LOG::warn);
    Settings r =
        all.scoped(PREFIX)
            .overlay(isKey ? "key." : "value.", "key.", "value.")
            .validate(PROPERTIES);
    Map<String, String> kms = new TreeMap<>();
    all.scoped(KMS_PREFIX).asMap().forEach((k, v) -> kms.put(KMS_PREFIX + k, v));
    // The registry's own names keep their "registry." prefix (RegistryConfig.PROPERTIES).
    Map<String, String> registryOptions = new TreeMap<>();
    all.scoped(REGISTRY_PREFIX).asMap().forEach((k, v) -> registryOptions.put("registry." + k, v));
    KeyReferences refs = r.get(KEY_REFERENCES);
    String registry = r.get(REGISTRY);
    if (refs == KeyReferences.REGISTRY && registry == null) {
      throw r.invalid(KEY_REFERENCES, "is registry, which needs " + PREFIX + REGISTRY.name());
    }

    EncryptionMode mode = r.get(MODE);
    boolean deterministic = r.isSet(DETERMINISTIC) ? r.get(DETERMINISTIC) : isKey;
    String dek = r.valueOrReference(DETERMINISTIC_DEK, SecretSource.system());
    if (dek != null) {
      dek = dek.strip();
    }
    List<String> fields = r.get(FIELDS);
    if (mode != EncryptionMode.WHOLE && fields.isEmpty()) {
      throw r.invalid(MODE, "is " + mode.propertyValue() + ", which needs " + PREFIX + FIELDS);
    }
    if (mode == EncryptionMode.WHOLE && !fields.isEmpty()) {
      throw r.invalid(FIELDS, "is only used with mode json-fields or avro-fields");
    }
    if (mode == EncryptionMode.AVRO_FIELDS) {
      for (String f : fields) {
        if (f.indexOf('/', 1) >= 0 || f.contains("~")) {
          throw r.invalid(FIELDS, "avro-fields supports top-level fields only (/name): " + f);
        }
      }
    }
    String subject = r.get(SUBJECT);
    SubjectHasher hasher = null;
    if (subject != null && r.isSet(SUBJECT_PRF_KEY)) {
      try (Secret prf = r.secret(SUBJECT_PRF_KEY, SecretSource.system())) {
        hasher = SubjectHasher.of(prf);
      } catch (IllegalArgumentException e) {
        throw r.invalid(SUBJECT_PRF_KEY, e.getMessage());
      }
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
        new DekLimits(
            r.get(DEK_MAX_VALUES), r.get(DEK_MAX_AGE), r.get(DEK_PREFETCH_AT), r.get(DEK_MAX_WAIT)),
        r.get(PLAINTEXT),
        r.get(CONTEXT),
        refs,
        registry,
        registryOptions,
        subject,
        hasher,
        r.get(ENVELOPE_VERSION),
        r.get(MARKER_HEADER));
  }

  private static boolean validSubject(String s) {
    return s.equals(SUBJECT_KEY)
        || (s.startsWith(SUBJECT_HEADER) && s.length() > SUBJECT_HEADER.length())
        || (s.startsWith("/") && s.length() > 1);
  }

  private static double fraction(String text) {
    double d;
    try {
      d = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a number in (0, 1]");
    }
    if (!(d > 0 && d <= 1)) {
      throw new IllegalArgumentException("must be a number in (0, 1]");
    }
    return d;
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
    if (subject != null) {
      requireSubjectSettings();
    }
  }

  private void requireSubjectSettings() {
    if (deterministic) {
      throw new ConfigException(
          name(SUBJECT),
          subject,
          "per-subject keys need randomized encryption, and the "
              + side()
              + " is deterministic"
              + (isKey ? " (set " + PREFIX + "value." + SUBJECT.name() + " for values only)" : ""));
    }
    if (mode != EncryptionMode.WHOLE) {
      throw new ConfigException(
          name(SUBJECT), subject, "per-subject keys encrypt whole values (mode whole) only");
    }
    if (registry == null) {
      throw new ConfigException(
          name(SUBJECT),
          subject,
          "per-subject keys live in a key registry: set " + PREFIX + REGISTRY.name());
    }
    if (subjectHasher == null) {
      throw new ConfigException(
          PREFIX + SUBJECT_PRF_KEY.name(),
          null,
          "per-subject keys need the subject PRF key (env:NAME or file:/path), the same as the"
              + " lake's writers and the shred command use");
    }
  }

  /** Checks that a KMS is configured. */
  public void requireKms() {
    if (!kmsProperties.containsKey(KMS_PREFIX + "uri")) {
      throw new ConfigException(KMS_PREFIX + "uri", null, "a KMS URI is required");
    }
  }

  /** The property name a setting of this side is best set under, for messages. */
  public String name(Property<?> setting) {
    return PREFIX + side() + "." + setting.name();
  }
}
