package dev.pipeseal.kms.hadoop;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.secret.SecretSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * Turns the provider's config map into a Hadoop {@link Configuration}. Keys:
 *
 * <ul>
 *   <li>{@code timeout.seconds}: connect and read timeout of each KMS call (Hadoop's {@code
 *       hadoop.security.kms.client.timeout}, default 60).
 *   <li>{@code truststore.path}, {@code truststore.password} ({@code env:NAME} or {@code
 *       file:/path}), {@code truststore.type} (default {@code jks}): trust for {@code https}
 *       servers; without them the JDK's default trust store is used.
 *   <li>{@code user}: with simple authentication, the user every call runs as (default: the
 *       process's Hadoop login user).
 *   <li>{@code executor.threads}: threads that run blocking KMS calls (default 4).
 *   <li>{@code hadoop.security.*}: copied as is, e.g. {@code
 *       hadoop.security.kms.client.failover.max.retries} or {@code
 *       hadoop.security.kms.client.encrypted.key.cache.size}.
 * </ul>
 *
 * Other keys are ignored.
 */
final class HadoopKmsConfig {
  static final String TIMEOUT_SECONDS = "timeout.seconds";
  static final String TRUSTSTORE_PATH = "truststore.path";
  static final String TRUSTSTORE_PASSWORD = "truststore.password";
  static final String TRUSTSTORE_TYPE = "truststore.type";
  static final String USER = "user";
  static final String EXECUTOR_THREADS = "executor.threads";
  static final String PASSTHROUGH_PREFIX = "hadoop.security.";

  // A resource name that does not exist: Hadoop's SSLFactory then reads the ssl.client.* keys
  // from our Configuration instead of an ssl-client.xml on the classpath.
  private static final String NO_SSL_CLIENT_RESOURCE = "pipeseal-hadoop-kms-no-ssl-client.xml";

  final Configuration hadoop;
  final String user;
  final int threads;

  private HadoopKmsConfig(Configuration hadoop, String user, int threads) {
    this.hadoop = hadoop;
    this.user = user;
    this.threads = threads;
  }

  static HadoopKmsConfig parse(Map<String, String> config) {
    Configuration conf = new Configuration();
    config.forEach(
        (k, v) -> {
          if (k.startsWith(PASSTHROUGH_PREFIX) && v != null) {
            conf.set(k, v);
          }
        });
    String timeout = config.get(TIMEOUT_SECONDS);
    if (timeout != null) {
      conf.setInt("hadoop.security.kms.client.timeout", positiveInt(TIMEOUT_SECONDS, timeout));
    }
    String trustStore = config.get(TRUSTSTORE_PATH);
    if (trustStore != null) {
      if (!Files.isReadable(Path.of(trustStore))) {
        throw configError(TRUSTSTORE_PATH + " is not a readable file: " + trustStore);
      }
      conf.set("hadoop.ssl.client.conf", NO_SSL_CLIENT_RESOURCE);
      conf.set("ssl.client.truststore.location", trustStore);
      conf.set("ssl.client.truststore.type", config.getOrDefault(TRUSTSTORE_TYPE, "jks"));
      String password = config.get(TRUSTSTORE_PASSWORD);
      if (password != null) {
        conf.set("ssl.client.truststore.password", resolveSecret(TRUSTSTORE_PASSWORD, password));
      }
    }
    String user = config.get(USER);
    if (user != null && user.isBlank()) {
      throw configError(USER + " must not be blank");
    }
    String threads = config.get(EXECUTOR_THREADS);
    return new HadoopKmsConfig(
        conf, user, threads == null ? 4 : positiveInt(EXECUTOR_THREADS, threads));
  }

  /** Resolves {@code env:NAME} or {@code file:/path}; secrets are never given inline. */
  static String resolveSecret(String key, String reference) {
    return new String(SecretSource.system().resolve(reference, HadoopKmsService.PROVIDER_ID, key));
  }

  private static int positiveInt(String key, String value) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // Reported below.
    }
    throw configError(key + " must be a positive integer, got '" + value + "'");
  }

  private static KmsConfigException configError(String message) {
    return new KmsConfigException(HadoopKmsService.PROVIDER_ID, null, message);
  }
}
