package dev.pipeseal.kms;

import java.net.URI;
import java.util.Map;

/**
 * ServiceLoader entry point of a provider ({@code META-INF/services/dev.pipeseal.kms.KmsService}).
 * A service must be cheap to instantiate and must not load optional dependencies (Hadoop, PKCS#11)
 * until {@link #create} is called for a URI it supports.
 */
public interface KmsService {
  /**
   * True if this service handles {@code uri} (usually by scheme, e.g. {@code kms}, {@code local}).
   */
  boolean supports(URI uri);

  /**
   * Opens a provider. {@code config} holds provider settings (passwords are given as references
   * such as {@code env:NAME} or {@code file:/path}, never inline in logs); unknown keys are
   * ignored, invalid values raise {@link KmsConfigException}.
   */
  Kms create(URI uri, Map<String, String> config);
}
