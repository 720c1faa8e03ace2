package dev.pipeseal.kms.hadoop;

import dev.pipeseal.kms.secret.Secret;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.settings.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * Turns the provider's settings ({@link HadoopKmsService#PROPERTIES}) into a Hadoop {@link
 * Configuration}. {@code hadoop.security.*} settings are copied as is.
 */
final class HadoopKmsConfig {
  // A resource name that does not exist: Hadoop's SSLFactory then reads the ssl.client.* keys
  // from our Configuration instead of an ssl-client.xml on the classpath.
  private static final String NO_SSL_CLIENT_RESOURCE = "pipeseal-hadoop-kms-no-ssl-client.xml";
  private static final String PASSTHROUGH_PREFIX = "hadoop.security.";

  final Configuration hadoop;
  final String user;
  final int threads;

  private HadoopKmsConfig(Configuration hadoop, String user, int threads) {
    this.hadoop = hadoop;
    this.user = user;
    this.threads = threads;
  }

  static HadoopKmsConfig parse(Map<String, String> config) {
    Settings settings =
        Settings.of(config)
            .withSource(HadoopKmsService.PROVIDER_ID)
            .validate(HadoopKmsService.PROPERTIES);
    Configuration conf = new Configuration();
    settings.passThrough(PASSTHROUGH_PREFIX).forEach((k, v) -> conf.set(PASSTHROUGH_PREFIX + k, v));
    if (settings.isSet(HadoopKmsService.TIMEOUT)) {
      Duration timeout = settings.get(HadoopKmsService.TIMEOUT);
      long seconds = Math.max(1, timeout.plusNanos(999_999_999).getSeconds());
      conf.setInt("hadoop.security.kms.client.timeout", (int) Math.min(seconds, Integer.MAX_VALUE));
    }
    Path trustStore = settings.get(HadoopKmsService.TRUSTSTORE_PATH);
    if (trustStore != null) {
      if (!Files.isReadable(trustStore)) {
        throw settings.invalid(
            HadoopKmsService.TRUSTSTORE_PATH, "is not a readable file: " + trustStore);
      }
      conf.set("hadoop.ssl.client.conf", NO_SSL_CLIENT_RESOURCE);
      conf.set("ssl.client.truststore.location", trustStore.toString());
      conf.set("ssl.client.truststore.type", settings.get(HadoopKmsService.TRUSTSTORE_TYPE));
      if (settings.isSet(HadoopKmsService.TRUSTSTORE_PASSWORD)) {
        try (Secret password =
            settings.secret(HadoopKmsService.TRUSTSTORE_PASSWORD, SecretSource.system())) {
          // Hadoop's SSLFactory reads the password from its Configuration, as a string.
          conf.set("ssl.client.truststore.password", password.asString());
        }
      }
    }
    String user = config.get(HadoopKmsService.USER.name());
    if (user != null && user.isBlank()) {
      throw settings.invalid(HadoopKmsService.USER, "must not be blank");
    }
    return new HadoopKmsConfig(
        conf, settings.get(HadoopKmsService.USER), settings.get(HadoopKmsService.EXECUTOR_THREADS));
  }
}
