package dev.pipeseal.kms.aws;

import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.UnknownKeyException;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kms.model.DependencyTimeoutException;
import software.amazon.awssdk.services.kms.model.DisabledException;
import software.amazon.awssdk.services.kms.model.IncorrectKeyException;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;
import software.amazon.awssdk.services.kms.model.InvalidKeyUsageException;
import software.amazon.awssdk.services.kms.model.KeyUnavailableException;
import software.amazon.awssdk.services.kms.model.KmsInternalException;
import software.amazon.awssdk.services.kms.model.KmsInvalidStateException;
import software.amazon.awssdk.services.kms.model.LimitExceededException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/**
 * Classifies SDK failures into the SPI's typed errors, so the resilient decorator retries only what
 * is transient (no answer, throttling, 5xx) and everything else fails at once with the provider and
 * key named. AWS error messages name keys and ARNs, never key material.
 */
final class AwsErrors {
  private static final Set<String> DENIED_CODES =
      Set.of(
          "AccessDeniedException",
          "UnrecognizedClientException",
          "InvalidSignatureException",
          "IncompleteSignature",
          "ExpiredTokenException",
          "InvalidClientTokenId",
          "MissingAuthenticationToken");
  private static final Set<String> THROTTLED_CODES =
      Set.of("ThrottlingException", "Throttling", "TooManyRequestsException");

  private AwsErrors() {}

  static KmsException map(Throwable failure, String keyName, String operation) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    String p = AwsKmsService.PROVIDER_ID;
    String what = operation + " failed: ";
    if (t instanceof KmsException k) {
      return k;
    }
    if (t instanceof NotFoundException) {
      return new UnknownKeyException(
          p, keyName, what + "no such key or alias in this account and region", t);
    }
    if (t instanceof KmsInvalidStateException) {
      return new UnknownKeyException(
          p, keyName, what + "the key is pending deletion or not usable: " + message(t), t);
    }
    if (t instanceof DisabledException) {
      return new AccessDeniedException(p, keyName, what + "the key is disabled", t);
    }
    if (t instanceof InvalidCiphertextException || t instanceof IncorrectKeyException) {
      return new InvalidWrappedKeyException(
          p,
          keyName,
          what
              + "KMS refused the wrapped key (corrupt, wrapped under another key, or its"
              + " encryption context does not match the master key name)",
          t);
    }
    if (t instanceof InvalidKeyUsageException) {
      return new KmsConfigException(
          p, keyName, what + "the key is not a symmetric ENCRYPT_DECRYPT key", t);
    }
    if (t instanceof KmsInternalException
        || t instanceof DependencyTimeoutException
        || t instanceof KeyUnavailableException
        || t instanceof LimitExceededException) {
      return new KmsUnavailableException(p, keyName, what + message(t), t);
    }
    if (t instanceof AwsServiceException s) {
      String code = s.awsErrorDetails() == null ? "" : s.awsErrorDetails().errorCode();
      int status = s.statusCode();
      if (DENIED_CODES.contains(code) || status == 401 || status == 403) {
        return new AccessDeniedException(
            p, keyName, what + "refused (" + code + "): " + message(t), t);
      }
      if (THROTTLED_CODES.contains(code) || status == 429 || status >= 500) {
        return new KmsUnavailableException(
            p, keyName, what + "HTTP " + status + " " + code + ": " + message(t), t);
      }
      return new KmsConfigException(
          p, keyName, what + "HTTP " + status + " " + code + ": " + message(t), t);
    }
    if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException) {
      return new KmsUnavailableException(
          p, keyName, what + "no answer within the API call timeout", t);
    }
    if (t instanceof SdkClientException c) {
      String m = String.valueOf(c.getMessage());
      if (m.contains("Unable to load credentials") || m.contains("credentials")) {
        return new KmsConfigException(
            p,
            keyName,
            what
                + "no AWS credentials found (environment, profile, web identity, instance"
                + " metadata); see docs/aws-kms.md",
            t);
      }
      if (m.contains("Unable to load region")) {
        return new KmsConfigException(
            p, keyName, what + "no AWS region: set it in the URI (aws-kms://REGION)", t);
      }
      for (Throwable c2 = c; c2 != null; c2 = c2.getCause()) {
        if (c2 instanceof IOException) {
          return new KmsUnavailableException(
              p, keyName, what + "cannot reach AWS KMS: " + c2.getClass().getSimpleName(), t);
        }
      }
      return new KmsUnavailableException(p, keyName, what + m, t);
    }
    return new KmsException(p, keyName, what + t.getClass().getSimpleName(), t);
  }

  private static String message(Throwable t) {
    return t instanceof AwsServiceException s && s.awsErrorDetails() != null
        ? s.awsErrorDetails().errorMessage()
        : t.getMessage();
  }
}
