package dev.pipeseal.jobs.migration;

import dev.pipeseal.jobs.run.JobOptions;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsProviders;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The settings of a migration to {@code --to URI}, made from the job's own: the target becomes the
 * provider new keys come from ({@code pipeseal.kms.uri}) and the former writer a reader ({@code
 * pipeseal.kms.providers.migration-source.*}), so one bridge unwraps with the old provider and
 * wraps with the new one, through the same cache, retries and audit trail. The target's settings
 * are those of the configured reader with that URI ({@code pipeseal.kms.providers.NAME.uri}), or
 * none (e.g. AWS's default credential chain).
 */
public final class MigrationTarget {
  /** Records the target in the job's properties: part of the run id of the checkpoint. */
  public static final String PROPERTY = JobOptions.MIGRATION_TARGET;

  /** The reader name the former writer gets. */
  public static final String SOURCE_NAME = "migration-source";

  private static final String KMS = "pipeseal.kms.";
  private static final String URI_KEY = KMS + "uri";
  private static final String PROVIDER = KMS + "provider.";
  private static final String READERS = KMS + "providers.";

  private MigrationTarget() {}

  /**
   * The settings to migrate with.
   *
   * @throws KmsConfigException if {@code to} is not a URI or no provider on the classpath takes it
   *     (before anything is opened or written)
   */
  public static Map<String, String> apply(Map<String, String> properties, String to) {
    String target = to.trim();
    URI uri;
    try {
      uri = URI.create(target);
    } catch (IllegalArgumentException e) {
      throw new KmsConfigException("none", null, "invalid --to URI '" + target + "'");
    }
    if (uri.getScheme() == null) {
      throw new KmsConfigException(
          "none", null, "--to needs a provider URI with a scheme, got '" + target + "'");
    }
    KmsProviders.service(uri); // unknown provider: typed error naming the scheme
    Map<String, String> out = new LinkedHashMap<>(properties);
    out.put(PROPERTY, target);
    String writer = properties.get(URI_KEY);
    String reader = readerWithUri(properties, target);
    if (reader == null && target.equals(writer == null ? null : writer.trim())) {
      return out; // already the writer: every key is where it should be
    }
    Map<String, String> targetSettings = new TreeMap<>();
    if (reader != null) {
      String prefix = READERS + reader + ".";
      properties.forEach(
          (k, v) -> {
            if (k.startsWith(prefix)) {
              out.remove(k);
              if (!k.equals(prefix + "uri")) {
                targetSettings.put(k.substring(prefix.length()), v);
              }
            }
          });
    }
    if (writer != null) {
      String source = READERS + SOURCE_NAME + ".";
      if (properties.containsKey(source + "uri")) {
        throw new KmsConfigException(
            "none", null, "'" + source + "uri' is taken; rename that reader to migrate with --to");
      }
      out.remove(URI_KEY);
      out.put(source + "uri", writer);
      properties.forEach(
          (k, v) -> {
            if (k.startsWith(PROVIDER)) {
              out.remove(k);
              out.put(source + k.substring(PROVIDER.length()), v);
            }
          });
    }
    out.put(URI_KEY, target);
    targetSettings.forEach((k, v) -> out.put(PROVIDER + k, v));
    return out;
  }

  /** The target of the run {@code properties} describe, or null when it is no migration. */
  public static String of(Map<String, String> properties) {
    return properties.get(PROPERTY);
  }

  private static String readerWithUri(Map<String, String> properties, String target) {
    for (Map.Entry<String, String> e : properties.entrySet()) {
      String k = e.getKey();
      if (k.startsWith(READERS)
          && k.endsWith(".uri")
          && k.indexOf('.', READERS.length()) == k.length() - 4
          && target.equals(e.getValue().trim())) {
        return k.substring(READERS.length(), k.length() - 4);
      }
    }
    return null;
  }
}
