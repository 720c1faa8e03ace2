package dev.pipeseal.parquet.spark;

import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.parquet.crypto.PipesealCryptoFactory;
import dev.pipeseal.parquet.policy.EncryptionPolicy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.crypto.EncryptionPropertiesFactory;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;

/**
 * Settings for encrypted Parquet in Spark, for data engineers:
 *
 * <pre>{@code
 * df.write().options(PipesealParquet.options("kms://http@kms:9600/kms")
 *         .encrypt("pii", "ssn", "email").encrypt("emb", "type:array<float>").build())
 *     .parquet(path);
 * spark.read().options(PipesealParquet.options("kms://http@kms:9600/kms").build()).parquet(path);
 * }</pre>
 *
 * The options are ordinary Hadoop properties (Spark copies write and read options into the job's
 * Hadoop configuration), so the same map can go into {@code spark-defaults.conf} with a {@code
 * spark.hadoop.} prefix ({@link Builder#sparkConf()}) or into the session ({@link #enable}).
 * Validation happens once, here, through the policy parser.
 */
public final class PipesealParquet {
  private PipesealParquet() {}

  /** Starts options for the KMS bridge at {@code kmsUri} ({@code pipeseal.kms.uri}). */
  public static Builder options(String kmsUri) {
    return new Builder().kms(KmsBridgeConfig.PREFIX + "uri", kmsUri);
  }

  /** Sets {@code options} on the session, for every later Parquet read and write. */
  public static void enable(SparkSession spark, Map<String, String> options) {
    RuntimeConfig conf = spark.conf();
    options.forEach(conf::set);
  }

  /** Collects the settings; {@link #build()} validates them. */
  public static final class Builder {
    private final Map<String, String> options = new LinkedHashMap<>();

    private Builder() {
      options.put(
          EncryptionPropertiesFactory.CRYPTO_FACTORY_CLASS_PROPERTY_NAME,
          PipesealCryptoFactory.class.getName());
    }

    /** Any {@code pipeseal.kms.*} bridge property, e.g. {@code provider.password}. */
    public Builder kms(String name, String value) {
      String full = name.startsWith(KmsBridgeConfig.PREFIX) ? name : KmsBridgeConfig.PREFIX + name;
      options.put(full, value);
      return this;
    }

    /** Encrypts the selected columns (names, {@code glob:}, {@code type:}) under {@code key}. */
    public Builder encrypt(String masterKey, String... selectors) {
      String name = EncryptionPolicy.COLUMNS + masterKey;
      String previous = options.get(name);
      String joined = String.join(",", List.of(selectors));
      options.put(name, previous == null ? joined : previous + "," + joined);
      return this;
    }

    /** Any {@code pipeseal.parquet.*} policy property, e.g. {@code footer.plaintext}. */
    public Builder policy(String name, String value) {
      String full =
          name.startsWith(EncryptionPolicy.PREFIX) ? name : EncryptionPolicy.PREFIX + name;
      options.put(full, value);
      return this;
    }

    /** The write/read options (Hadoop property names). */
    public Map<String, String> build() {
      EncryptionPolicy.fromProperties(options);
      KmsBridgeConfig.fromProperties(options);
      return Map.copyOf(options);
    }

    /**
     * The same settings for {@code spark-defaults.conf} or {@code --conf}: {@code spark.hadoop.}.
     */
    public Map<String, String> sparkConf() {
      Map<String, String> out = new LinkedHashMap<>();
      build().forEach((k, v) -> out.put("spark.hadoop." + k, v));
      return out;
    }
  }
}
