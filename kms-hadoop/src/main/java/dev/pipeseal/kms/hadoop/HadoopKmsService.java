package dev.pipeseal.kms.hadoop;

import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsService;
import java.net.URI;
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
