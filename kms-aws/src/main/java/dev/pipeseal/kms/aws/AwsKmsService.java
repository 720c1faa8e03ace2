package dev.pipeseal.kms.aws;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsService;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * ServiceLoader entry for {@code aws-kms://REGION} and {@code aws-kms:///} (region from settings or
 * the SDK's region chain). Loads no SDK class until {@link #create} runs, so a classpath without
 * the SDK still lists providers; {@code create} then fails with a {@link KmsConfigException}.
 */
public final class AwsKmsService implements KmsService {
  /** Provider id recorded in wrapped keys. */
  public static final String PROVIDER_ID = "aws-kms";

  /** URI scheme. */
  public static final String SCHEME = "aws-kms";

  /**
   * Settings under {@code pipeseal.kms.provider.} for an {@code aws-kms:} URI, declared for
   * validation (unknown names are refused with the nearest valid one) and {@code docs/settings.md};
   * {@link AwsKmsConfig#parse} applies the rules across settings.
   */
  public static final PropertySet PROPERTIES =
      PropertySet.of(
          "AWS KMS provider",
          "pipeseal.kms.provider.",
          Property.string(
                  AwsKmsConfig.REGION,
                  null,
                  "AWS region when the URI names none (aws-kms:///); must agree with the URI's.")
              .withDefaultText("the URI's, else the SDK's region chain"),
          Property.uri(
              AwsKmsConfig.ENDPOINT,
              null,
              "Endpoint override, http(s)://host[:port]: a VPC or FIPS endpoint, or a test server."),
          Property.string(
                  AwsKmsConfig.PROFILE,
                  null,
                  "Named profile of the shared AWS config files; not with static keys.")
              .withDefaultText("the default credential chain"),
          Property.secret(
              AwsKmsConfig.ACCESS_KEY_ID,
              "Static access key id, env:NAME or file:/path; set with secret-access-key."),
          Property.secret(
              AwsKmsConfig.SECRET_ACCESS_KEY, "Its secret access key, env:NAME or file:/path."),
          Property.secret(
              AwsKmsConfig.SESSION_TOKEN,
              "Session token of temporary static keys, env:NAME or file:/path."),
          Property.duration(
                  AwsKmsConfig.API_CALL_TIMEOUT,
                  null,
                  ChronoUnit.SECONDS,
                  "Limit of one AWS API call (connect, socket and call timeouts of the SDK).")
              .withDefaultText("the bridge's timeout, else 10s"),
          Property.integer(
              AwsKmsConfig.MAX_ATTEMPTS,
              1,
              1,
              10,
              "Attempts the SDK makes per call; 1 leaves retries to the bridge's decorator."),
          Property.duration(
              AwsKmsConfig.VERSION_TTL,
              Duration.ofSeconds(60),
              ChronoUnit.SECONDS,
              "How long generate reuses a master key's current version (labels may lag a"
                  + " rotation by this much, never lead it)."),
          Property.integer(
              AwsKmsConfig.THREADS, 4, 1, 256, "Threads that run the blocking SDK calls."));

  @Override
  public PropertySet properties() {
    return PROPERTIES;
  }

  @Override
  public boolean supports(URI uri) {
    return uri != null && SCHEME.equalsIgnoreCase(uri.getScheme());
  }

  @Override
  public Kms create(URI uri, Map<String, String> config) {
    if (!supports(uri)) {
      throw new KmsConfigException(
          PROVIDER_ID, null, "not an AWS KMS URI (aws-kms://REGION or aws-kms:///): " + uri);
    }
    AwsKmsConfig cfg = AwsKmsConfig.parse(uri, config == null ? Map.of() : config);
    try {
      // First reference to a class that links against the AWS SDK.
      return AwsKms.open(cfg);
    } catch (NoClassDefFoundError e) {
      throw new KmsConfigException(
          PROVIDER_ID,
          null,
          "the AWS SDK (software.amazon.awssdk:kms and url-connection-client) is not on the"
              + " classpath",
          e);
    }
  }
}
