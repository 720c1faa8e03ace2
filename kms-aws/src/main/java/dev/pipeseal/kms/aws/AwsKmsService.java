package dev.pipeseal.kms.aws;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsService;
import java.net.URI;
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
