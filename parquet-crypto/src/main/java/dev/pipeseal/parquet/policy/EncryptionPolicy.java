package dev.pipeseal.parquet.policy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.parquet.crypto.ParquetCipher;

/**
 * How files are encrypted, parsed in one place ({@link #fromProperties}) from the properties in
 * {@link #PROPERTIES} (also the table in {@code docs/parquet.md}). Unknown names under {@value
 * #PREFIX} are rejected, so a typo never silently leaves a column in plaintext.
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
  public static final String COLUMNS = PREFIX + "columns.";
  public static final String FOOTER_KEY = PREFIX + "footer.key";
  public static final String FOOTER_PLAINTEXT = PREFIX + "footer.plaintext";
  public static final String ALGORITHM = PREFIX + "algorithm";
  public static final String KEY_MATERIAL = PREFIX + "key-material";
  public static final String COMPLETE_COLUMNS = PREFIX + "complete-columns";
  public static final String DATA_KEY_BITS = PREFIX + "data-key-bits";
  public static final String TABLE = PREFIX + "table";
  public static final String TABLE_VERIFY = PREFIX + "table.verify";
  public static final String POLICY_FILE = PREFIX + "policy.file";

  /** Table ids that are keywords. */
  public static final String TABLE_AUTO = "auto";

  public static final String TABLE_NONE = "none";

  /** One row of the property table. */
  public record Property(String name, String defaultValue, String meaning) {}

  /** Every property, its default and meaning. */
  public static final List<Property> PROPERTIES =
      List.of(
          new Property(
              COLUMNS + "<masterKey>",
              "(none)",
              "Comma-separated column selectors encrypted under <masterKey>: a field name or"
                  + " path (a struct, array or map selects every column below it), glob:<pattern>"
                  + " or type:<type> such as type:array<float>."),
          new Property(
              FOOTER_KEY,
              "the master key of the rules, if there is only one",
              "Master key of the footer key. Required when rules name several master keys."),
          new Property(
              FOOTER_PLAINTEXT,
              "false",
              "Write a signed plaintext footer: readers without keys can read unencrypted columns."),
          new Property(
              ALGORITHM,
              "AES_GCM_V1",
              "AES_GCM_V1 or AES_GCM_CTR_V1 (faster, pages"
                  + " authenticated only through their headers)."),
          new Property(
              KEY_MATERIAL,
              "internal",
              "internal (in the footer) or external (_KEY_MATERIAL_FOR_<file>.json beside the file)."),
          new Property(
              COMPLETE_COLUMNS,
              "false",
              "Also encrypt every column no rule selects, with the footer key."),
          new Property(
              DATA_KEY_BITS, "256", "Length of random column and footer keys: 128, 192 or 256."),
          new Property(
              TABLE,
              TABLE_AUTO,
              "Table id bound into every file's AAD prefix: auto (the file's directory without"
                  + " partition and staging directories), none, or an explicit id."),
          new Property(
              TABLE_VERIFY,
              "true",
              "Readers reject files whose AAD prefix names another table, or that have none."),
          new Property(
              POLICY_FILE,
              "(none)",
              "A properties file (any Hadoop file system) with these properties; properties set"
                  + " directly override it."));

  private static final Set<String> SCALARS =
      Set.of(
          FOOTER_KEY,
          FOOTER_PLAINTEXT,
          ALGORITHM,
          KEY_MATERIAL,
          COMPLETE_COLUMNS,
          DATA_KEY_BITS,
          TABLE,
          TABLE_VERIFY,
          POLICY_FILE);

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
    Map<String, String> own = new TreeMap<>();
    List<ColumnRule> rules = new ArrayList<>();
    Set<String> unknown = new TreeSet<>();
    new TreeMap<>(properties)
        .forEach(
            (name, value) -> {
              if (!name.startsWith(PREFIX) || value == null) {
                return;
              }
              if (name.startsWith(COLUMNS)) {
                rules.add(rule(name.substring(COLUMNS.length()), value));
              } else if (SCALARS.contains(name)) {
                own.put(name, value.trim());
              } else {
                unknown.add(name);
              }
            });
    if (!unknown.isEmpty()) {
      throw new PolicyException("unknown properties " + unknown + " (see docs/parquet.md)");
    }
    String footerKey = emptyToNull(own.get(FOOTER_KEY));
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
        bool(own, FOOTER_PLAINTEXT, false),
        cipher(own.get(ALGORITHM)),
        keyMaterial(own.get(KEY_MATERIAL)),
        bool(own, COMPLETE_COLUMNS, false),
        integer(own, DATA_KEY_BITS, 256),
        own.getOrDefault(TABLE, TABLE_AUTO),
        bool(own, TABLE_VERIFY, true));
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
    if (v == null || v.isEmpty()) {
      return ParquetCipher.AES_GCM_V1;
    }
    try {
      return ParquetCipher.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw invalid(ALGORITHM, v, "AES_GCM_V1 or AES_GCM_CTR_V1");
    }
  }

  private static boolean keyMaterial(String v) {
    if (v == null || v.isEmpty() || v.equalsIgnoreCase("internal")) {
      return false;
    }
    if (v.equalsIgnoreCase("external")) {
      return true;
    }
    throw invalid(KEY_MATERIAL, v, "internal or external");
  }

  private static boolean bool(Map<String, String> own, String name, boolean fallback) {
    String v = own.get(name);
    if (v == null || v.isEmpty()) {
      return fallback;
    }
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw invalid(name, v, "true or false");
  }

  private static int integer(Map<String, String> own, String name, int fallback) {
    String v = own.get(name);
    if (v == null || v.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw invalid(name, v, "an integer");
    }
  }

  private static String emptyToNull(String v) {
    return v == null || v.isEmpty() ? null : v;
  }

  private static PolicyException invalid(String name, String value, String expected) {
    return new PolicyException(
        "invalid value '" + value + "' for '" + name + "': expected " + expected);
  }
}
