package dev.pipeseal.parquet.policy;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Settings;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.parquet.crypto.ParquetCipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How files are encrypted, parsed in one place ({@link #fromProperties}) from the properties in
 * {@link #PROPERTIES} (listed in {@code docs/settings.md}). Unknown names under {@value #PREFIX}
 * are rejected with the nearest valid name, so a typo never silently leaves a column in plaintext.
 *
 * @param rules column rules, in the order given (sorted by master key name)
 * @param footerKey master key of the footer key; null only when there are no rules (no encryption)
 * @param plaintextFooter leave the footer readable (signed) so unencrypted columns need no key
 * @param algorithm {@code AES_GCM_V1} or {@code AES_GCM_CTR_V1}
 * @param externalKeyMaterial keep key material in {@code _KEY_MATERIAL_FOR_*.json} files beside
 *     each data file instead of the footer (needed by Parquet's own master-key rotation)
 * @param completeColumns encrypt every other column with the footer key
 * @param dataKeyBits length of the random column and footer keys: 128, 192 or 256
 * @param table {@code auto} (derive from the file path), {@code none}, or an explicit table id
 * @param verifyTable readers check a file's AAD prefix is the table they read
 */
public record EncryptionPolicy(
    List<ColumnRule> rules,
    String footerKey,
    boolean plaintextFooter,
    ParquetCipher algorithm,
    boolean externalKeyMaterial,
    boolean completeColumns,
    int dataKeyBits,
    String table,
    boolean verifyTable) {

  public static final String PREFIX = "pipeseal.parquet.";

  private static final Logger LOG = LoggerFactory.getLogger(EncryptionPolicy.class);

  /** Table ids that are keywords. */
  public static final String TABLE_AUTO = "auto";

  public static final String TABLE_NONE = "none";

  public static final Property<String> FOOTER_KEY_PROPERTY =
      Property.string(
              "footer.key",
              null,
              "Master key of the footer key. Required when rules name several master keys.")
          .withDefaultText("the master key of the rules, if there is only one");
  public static final Property<Boolean> FOOTER_PLAINTEXT_PROPERTY =
      Property.bool(
          "footer.plaintext",
          false,
          "Write a signed plaintext footer: readers without keys can read unencrypted columns.");
  public static final Property<ParquetCipher> ALGORITHM_PROPERTY =
      Property.of(
          "algorithm",
          "AES_GCM_V1 or AES_GCM_CTR_V1",
          ParquetCipher.AES_GCM_V1,
          EncryptionPolicy::cipher,
          "AES_GCM_V1 or AES_GCM_CTR_V1 (faster, pages authenticated only through their"
              + " headers).");
  public static final Property<Boolean> KEY_MATERIAL_PROPERTY =
      Property.of(
              "key-material",
              "internal or external",
              false,
              EncryptionPolicy::externalKeyMaterial,
              "internal (in the footer) or external (_KEY_MATERIAL_FOR_<file>.json beside the"
                  + " file).")
          .withDefaultText("internal");
  public static final Property<Boolean> COMPLETE_COLUMNS_PROPERTY =
      Property.bool(
          "complete-columns",
          false,
          "Also encrypt every column no rule selects, with the footer key.");
  public static final Property<Integer> DATA_KEY_BITS_PROPERTY =
      Property.integer(
              "data-key-bits",
              256,
              128,
              256,
              "Length of random column and footer keys: 128, 192 or 256.")
          .withCheck(b -> b % 64 == 0, "must be 128, 192 or 256");
  public static final Property<String> TABLE_PROPERTY =
      Property.string(
          "table",
          TABLE_AUTO,
          "Table id bound into every file's AAD prefix: auto (the file's directory without"
              + " partition and staging directories), none, or an explicit id.");
  public static final Property<Boolean> TABLE_VERIFY_PROPERTY =
      Property.bool(
          "table.verify",
          true,
          "Readers reject files whose AAD prefix names another table, or that have none.");
  public static final Property<String> POLICY_FILE_PROPERTY =
      Property.string(
          "policy.file",
          null,
          "A properties file (any Hadoop file system) with these properties; properties set"
              + " directly override it.");

  /** Every policy property, relative to {@value #PREFIX}. */
  public static final PropertySet PROPERTIES =
      PropertySet.of(
              "Parquet encryption policy",
              PREFIX,
              FOOTER_KEY_PROPERTY,
              FOOTER_PLAINTEXT_PROPERTY,
              ALGORITHM_PROPERTY,
              KEY_MATERIAL_PROPERTY,
              COMPLETE_COLUMNS_PROPERTY,
              DATA_KEY_BITS_PROPERTY,
              TABLE_PROPERTY,
              TABLE_VERIFY_PROPERTY,
              POLICY_FILE_PROPERTY)
          .withPassThrough(
              "columns.",
              "columns.<masterKey>: comma-separated column selectors encrypted under <masterKey>:"
                  + " a field name or path (a struct, array or map selects every column below it),"
                  + " glob:<pattern> or type:<type> such as type:array<float>");

  /** Full names, for messages and Hadoop configuration look-ups. */
  public static final String COLUMNS = PREFIX + "columns.";

  public static final String FOOTER_KEY = PREFIX + FOOTER_KEY_PROPERTY.name();
  public static final String ALGORITHM = PREFIX + ALGORITHM_PROPERTY.name();
  public static final String COMPLETE_COLUMNS = PREFIX + COMPLETE_COLUMNS_PROPERTY.name();
  public static final String DATA_KEY_BITS = PREFIX + DATA_KEY_BITS_PROPERTY.name();
  public static final String TABLE = PREFIX + TABLE_PROPERTY.name();
  public static final String POLICY_FILE = PREFIX + POLICY_FILE_PROPERTY.name();

  public EncryptionPolicy {
    rules = List.copyOf(rules);
    if (!rules.isEmpty() && (footerKey == null || footerKey.isBlank())) {
      throw new PolicyException("'" + FOOTER_KEY + "' is required");
    }
    if (dataKeyBits != 128 && dataKeyBits != 192 && dataKeyBits != 256) {
      throw new PolicyException(
          "invalid value '" + dataKeyBits + "' for '" + DATA_KEY_BITS + "': 128, 192 or 256");
    }
    if (table == null || table.isBlank()) {
      throw new PolicyException("'" + TABLE + "' must not be empty");
    }
  }

  /** True when the policy asks for no encryption at all. */
  public boolean isEmpty() {
    return rules.isEmpty() && footerKey == null;
  }

  /** Master keys the policy names, footer key first. */
  public Set<String> masterKeys() {
    Set<String> keys = new LinkedHashSet<>();
    if (footerKey != null) {
      keys.add(footerKey);
    }
    rules.forEach(r -> keys.add(r.masterKey()));
    return keys;
  }

  /**
   * The one parser of {@code pipeseal.parquet.*}. Other names are ignored, so a whole Hadoop or
   * Spark configuration can be passed in.
   *
   * @throws PolicyException naming the property on an unknown name or invalid value
   */
  public static EncryptionPolicy fromProperties(Map<String, String> properties) {
    Settings own;
    try {
      own =
          Settings.of(properties)
              .withSource("parquet")
              .withWarnings(LOG::warn)
              .scoped(PREFIX)
              .validate(PROPERTIES);
    } catch (KmsConfigException e) {
      throw new PolicyException(e.getMessage(), e);
    }
    List<ColumnRule> rules = new ArrayList<>();
    new TreeMap<>(own.passThrough("columns.")).forEach((key, value) -> rules.add(rule(key, value)));
    try {
      String footerKey = own.get(FOOTER_KEY_PROPERTY);
      if (footerKey == null) {
        Set<String> keys = new LinkedHashSet<>();
        rules.forEach(r -> keys.add(r.masterKey()));
        if (keys.size() == 1) {
          footerKey = keys.iterator().next();
        } else if (keys.size() > 1) {
          throw new PolicyException(
              "'" + FOOTER_KEY + "' is required when rules name several master keys " + keys);
        }
      }
      return new EncryptionPolicy(
          rules,
          footerKey,
          own.get(FOOTER_PLAINTEXT_PROPERTY),
          own.get(ALGORITHM_PROPERTY),
          own.get(KEY_MATERIAL_PROPERTY),
          own.get(COMPLETE_COLUMNS_PROPERTY),
          own.get(DATA_KEY_BITS_PROPERTY),
          own.get(TABLE_PROPERTY),
          own.get(TABLE_VERIFY_PROPERTY));
    } catch (KmsConfigException e) {
      throw new PolicyException(e.getMessage(), e);
    }
  }

  private static ColumnRule rule(String masterKey, String selectors) {
    List<ColumnSelector> parsed = new ArrayList<>();
    for (String s : splitSelectors(selectors)) {
      parsed.add(ColumnSelector.parse(s));
    }
    if (masterKey.isBlank()) {
      throw new PolicyException("'" + COLUMNS + "' needs a master key name after the prefix");
    }
    return new ColumnRule(masterKey, parsed);
  }

  /** Splits on commas outside angle brackets, so {@code type:map<string,int>} stays whole. */
  static List<String> splitSelectors(String text) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : ',';
      if (c == '<') {
        depth++;
      } else if (c == '>') {
        depth--;
      } else if (c == ',' && depth <= 0) {
        String part = text.substring(start, i).trim();
        if (!part.isEmpty()) {
          out.add(part);
        }
        start = i + 1;
      }
    }
    return out;
  }

  private static ParquetCipher cipher(String v) {
    try {
      return ParquetCipher.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("expected AES_GCM_V1 or AES_GCM_CTR_V1");
    }
  }

  private static boolean externalKeyMaterial(String v) {
    if (v.equalsIgnoreCase("internal")) {
      return false;
    }
    if (v.equalsIgnoreCase("external")) {
      return true;
    }
    throw new IllegalArgumentException("expected internal or external");
  }
}
