package dev.pipeseal.kms.hadoop;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.secret.SecretReference;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;

/**
 * ServiceLoader entry for Hadoop KMS URIs: {@code kms://http@host[;host2...]:port/kms} and {@code
 * kms://https@...}. Loads no Hadoop class until {@link #create} runs, so ServiceLoader works on a
 * classpath without the Hadoop client; {@code create} then fails with a {@link KmsConfigException}.
 */
public final class HadoopKmsService implements KmsService {
  /** Provider id recorded in wrapped keys. */
  public static final String PROVIDER_ID = "hadoop-kms";

  // Declared here, not in HadoopKmsConfig, so that listing them loads no Hadoop class.
  public static final Property<Duration> TIMEOUT =
      Property.duration(
              "timeout",
              Duration.ofSeconds(60),
              ChronoUnit.SECONDS,
              "Connect and read timeout of each KMS call (Hadoop's"
                  + " hadoop.security.kms.client.timeout, whole seconds, rounded up).")
          .withCheck(d -> !d.isZero(), "must be positive")
          .withAliases("timeout.seconds");
  public static final Property<Path> TRUSTSTORE_PATH =
      Property.of(
          "truststore.path",
          "path",
          null,
          Path::of,
          "Trust store for https servers; without it the JDK's default trust store is used.");
  public static final Property<SecretReference> TRUSTSTORE_PASSWORD =
      Property.secret("truststore.password", "Trust store password, env:NAME or file:/path.");
  public static final Property<String> TRUSTSTORE_TYPE =
      Property.string("truststore.type", "jks", "Trust store type.");
  public static final Property<String> USER =
      Property.string("user", null, "With simple authentication, the user every call runs as.")
          .withDefaultText("the process's Hadoop login user");
  public static final Property<Integer> EXECUTOR_THREADS =
      Property.integer("executor.threads", 4, 1, 256, "Threads that run blocking KMS calls.");

  /** Settings under {@code pipeseal.kms.provider.} for a {@code kms://} URI. */
  public static final PropertySet PROPERTIES =
      PropertySet.of(
              "Hadoop KMS provider",
              "pipeseal.kms.provider.",
              TIMEOUT,
              TRUSTSTORE_PATH,
              TRUSTSTORE_PASSWORD,
              TRUSTSTORE_TYPE,
              USER,
              EXECUTOR_THREADS)
          .withPassThrough(
              "hadoop.security.",
              "copied into the Hadoop client configuration as is, e.g."
                  + " hadoop.security.kms.client.failover.max.retries");

  @Override
  public PropertySet properties() {
    return PROPERTIES;
  }

  @Override
  public boolean supports(URI uri) {
    if (uri == null || !"kms".equalsIgnoreCase(uri.getScheme())) {
      return false;
    }
    String authority = uri.getRawAuthority();
    if (authority == null) {
      return false;
    }
    int at = authority.indexOf('@');
    if (at <= 0 || at == authority.length() - 1) {
      return false;
    }
    String transport = authority.substring(0, at).toLowerCase(Locale.ROOT);
    return transport.equals("http") || transport.equals("https");
  }

  @Override
  public Kms create(URI uri, Map<String, String> config) {
    if (!supports(uri)) {
      throw new KmsConfigException(
          PROVIDER_ID, null, "not a Hadoop KMS URI (kms://http@host:port/kms): " + uri);
    }
    try {
      // First reference to a class that links against Hadoop.
      return HadoopKms.open(uri, config == null ? Map.of() : config);
    } catch (NoClassDefFoundError e) {
      throw new KmsConfigException(
          PROVIDER_ID,
          null,
          "the Hadoop client (hadoop-client-api and hadoop-client-runtime) is not on the classpath",
          e);
    }
  }
}
