package dev.pipeseal.kms.aws;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsService;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Typed, validated settings of one AWS KMS provider, parsed from the URI and the provider map
 * (kebab-case keys, {@code pipeseal.kms.provider.*} in a bridge). Holds no SDK type and no secret
 * value: credentials are kept as references ({@code env:NAME}, {@code file:/path}) and resolved
 * when the client is built.
 *
 * @param region AWS region, e.g. {@code eu-west-1}; null means the SDK's region chain ({@code
 *     AWS_REGION}, profile, instance metadata)
 * @param endpoint endpoint override (a VPC endpoint, FIPS endpoint or a test server); null for the
 *     region's public endpoint
 * @param profile named profile of the shared config files; null for the default chain
 * @param accessKeyIdRef reference to a static access key id; null for the default chain
 * @param secretAccessKeyRef reference to its secret key; set exactly when {@code accessKeyIdRef} is
 * @param sessionTokenRef reference to a session token for temporary static keys; may be null
 * @param apiCallTimeout limit of one API call, SDK attempts included
 * @param maxAttempts attempts the SDK makes per call (1: the bridge's decorator owns retries)
 * @param versionTtl how long a master key's current version is reused by generate
 * @param threads threads that run the blocking SDK calls
 */
public record AwsKmsConfig(
    String region,
    URI endpoint,
    String profile,
    String accessKeyIdRef,
    String secretAccessKeyRef,
    String sessionTokenRef,
    Duration apiCallTimeout,
    int maxAttempts,
    Duration versionTtl,
    int threads) {

  static final String REGION = "region";
  static final String ENDPOINT = "endpoint";
  static final String PROFILE = "profile";
  static final String ACCESS_KEY_ID = "access-key-id";
  static final String SECRET_ACCESS_KEY = "secret-access-key";
  static final String SESSION_TOKEN = "session-token";
  static final String API_CALL_TIMEOUT = "api-call-timeout";
  static final String MAX_ATTEMPTS = "max-attempts";
  static final String VERSION_TTL = "version-ttl";
  static final String THREADS = "threads";

  /** Used when neither {@value #API_CALL_TIMEOUT} nor the bridge's timeout is given. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private static final Pattern REGION_FORM = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");

  public AwsKmsConfig {
    if (region != null && !REGION_FORM.matcher(region).matches()) {
      throw error("'" + region + "' is not an AWS region name (e.g. eu-west-1)");
    }
    if ((accessKeyIdRef == null) != (secretAccessKeyRef == null)) {
      throw error(ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY + " must be set together");
    }
    if (sessionTokenRef != null && accessKeyIdRef == null) {
      throw error(SESSION_TOKEN + " needs " + ACCESS_KEY_ID + " and " + SECRET_ACCESS_KEY);
    }
    if (profile != null && accessKeyIdRef != null) {
      throw error("set either " + PROFILE + " or static keys, not both");
    }
    if (apiCallTimeout == null || apiCallTimeout.isNegative() || apiCallTimeout.isZero()) {
      throw error(API_CALL_TIMEOUT + " must be positive");
    }
    if (maxAttempts < 1 || maxAttempts > 10) {
      throw error(MAX_ATTEMPTS + " must be 1..10, got " + maxAttempts);
    }
    if (versionTtl == null || versionTtl.isNegative()) {
      throw error(VERSION_TTL + " must not be negative");
    }
    if (threads < 1 || threads > 256) {
      throw error(THREADS + " must be 1..256, got " + threads);
    }
  }

  /**
   * Reads {@code aws-kms://REGION} or {@code aws-kms:///} and the provider settings. Unknown keys
   * are ignored (the SPI contract); the bridge's per-attempt timeout ({@link
   * KmsService#BRIDGE_TIMEOUT}) becomes the API call timeout unless {@value #API_CALL_TIMEOUT} is
   * set.
   */
  static AwsKmsConfig parse(URI uri, Map<String, String> settings) {
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw error(
          "the URI takes only a region (aws-kms://REGION); set the endpoint and credentials as"
              + " provider settings: "
              + uri);
    }
    if (uri.getPort() != -1) {
      throw error("the URI takes no port; set 'endpoint' to override the endpoint: " + uri);
    }
    String path = uri.getRawPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      throw error(
          "the URI takes no key: name master keys per call (alias/NAME, key id or ARN): " + uri);
    }
    String uriRegion = uri.getHost();
    if (uriRegion == null && uri.getRawAuthority() != null) {
      throw error("'" + uri.getRawAuthority() + "' is not an AWS region name (e.g. eu-west-1)");
    }
    String setRegion = text(settings, REGION);
    if (uriRegion != null && setRegion != null && !uriRegion.equals(setRegion)) {
      throw error(
          "region '" + setRegion + "' in the settings contradicts '" + uriRegion + "' in the URI");
    }
    String region = uriRegion != null ? uriRegion.toLowerCase(Locale.ROOT) : setRegion;
    URI endpoint = endpoint(text(settings, ENDPOINT));
    String timeoutText = text(settings, API_CALL_TIMEOUT);
    String bridgeTimeout = text(settings, KmsService.BRIDGE_TIMEOUT);
    Duration timeout =
        timeoutText != null
            ? duration(API_CALL_TIMEOUT, timeoutText)
            : bridgeTimeout != null
                ? duration(KmsService.BRIDGE_TIMEOUT, bridgeTimeout)
                : DEFAULT_TIMEOUT;
    return new AwsKmsConfig(
        region,
        endpoint,
        text(settings, PROFILE),
        text(settings, ACCESS_KEY_ID),
        text(settings, SECRET_ACCESS_KEY),
        text(settings, SESSION_TOKEN),
        timeout,
        integer(settings, MAX_ATTEMPTS, 1),
        duration(VERSION_TTL, settings.getOrDefault(VERSION_TTL, "60s")),
        integer(settings, THREADS, 4));
  }

  /** Never shows credential references' targets beyond their kind. */
  @Override
  public String toString() {
    return "AwsKmsConfig[region="
        + (region == null ? "(SDK chain)" : region)
        + ", endpoint="
        + (endpoint == null ? "(regional)" : endpoint)
        + ", credentials="
        + (accessKeyIdRef != null
            ? "static"
            : profile != null ? "profile " + profile : "default chain")
        + ", api-call-timeout="
        + apiCallTimeout
        + ", max-attempts="
        + maxAttempts
        + "]";
  }

  private static URI endpoint(String text) {
    if (text == null) {
      return null;
    }
    URI e;
    try {
      e = URI.create(text);
    } catch (IllegalArgumentException ex) {
      throw error(ENDPOINT + " is not a URI: '" + text + "'");
    }
    String scheme = e.getScheme() == null ? "" : e.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("https") || scheme.equals("http")) || e.getHost() == null) {
      throw error(ENDPOINT + " must be an http(s)://host[:port] URL, got '" + text + "'");
    }
    return e;
  }

  private static String text(Map<String, String> settings, String key) {
    String v = settings.get(key);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static int integer(Map<String, String> settings, String key, int fallback) {
    String v = text(settings, key);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw error(key + " must be an integer, got '" + v + "'");
    }
  }

  /** {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h} or ISO-8601, as the bridge reads them. */
  static Duration duration(String key, String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.startsWith("p")) {
        return Duration.parse(t.toUpperCase(Locale.ROOT));
      }
      int split = 0;
      while (split < t.length() && Character.isDigit(t.charAt(split))) {
        split++;
      }
      long n = Long.parseLong(t.substring(0, split));
      switch (t.substring(split).trim()) {
        case "ms":
          return Duration.ofMillis(n);
        case "s":
          return Duration.ofSeconds(n);
        case "m":
          return Duration.ofMinutes(n);
        case "h":
          return Duration.ofHours(n);
        default:
          break;
      }
    } catch (RuntimeException e) {
      // Reported below.
    }
    throw error(key + " must be a duration such as 500ms, 10s or 5m, got '" + text + "'");
  }

  private static KmsConfigException error(String message) {
    return new KmsConfigException(AwsKmsService.PROVIDER_ID, null, message);
  }
}
