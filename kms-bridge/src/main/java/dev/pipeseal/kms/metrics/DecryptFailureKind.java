package dev.pipeseal.kms.metrics;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.TruncatedCiphertextException;
import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.envelope.MalformedEnvelopeException;
import dev.pipeseal.crypto.envelope.UnknownAlgorithmException;
import dev.pipeseal.crypto.envelope.UnknownKeyReferenceKindException;
import dev.pipeseal.crypto.envelope.UnsupportedEnvelopeVersionException;
import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.SubjectErasedException;

/**
 * Why a value could not be decrypted, as a metric label. Derived from the typed exception a
 * decryption raised ({@link #of}), never from its message, so a new message wording cannot move a
 * failure to another kind.
 */
public enum DecryptFailureKind {
  /**
   * The authentication tag did not verify: the value was tampered with, or it was moved to another
   * column, topic or field (its context is bound into the tag, and AEAD cannot tell the two apart).
   */
  AUTHENTICATION_FAILED("authentication_failed"),
  /** Shorter than its format requires: cut off in transit or storage. */
  TRUNCATED("truncated"),
  /** Not a structurally valid envelope (bad lengths, unknown algorithm or key-reference kind). */
  MALFORMED("malformed"),
  /** The first byte names no envelope version this reader knows: often not an envelope at all. */
  UNSUPPORTED_VERSION("unsupported_version"),
  /** The master key, its version or the registry key id does not exist. */
  UNKNOWN_KEY("unknown_key"),
  /** The subject's keys were shredded; its values can never be decrypted again. */
  SUBJECT_ERASED("subject_erased"),
  /** The wrapped data key is corrupt or tampered with. */
  INVALID_WRAPPED_KEY("invalid_wrapped_key"),
  /** The KMS refused this principal the key. */
  ACCESS_DENIED("access_denied"),
  /** The KMS could not be reached, timed out or throttled. */
  KMS_UNAVAILABLE("kms_unavailable"),
  /** The key registry could not be read (I/O, a corrupt record). */
  REGISTRY("registry"),
  /** Decrypted, but it is not the type the reader asked for (Spark's typed decrypt functions). */
  WRONG_TYPE("wrong_type"),
  /** Not encrypted where encryption is required (a plaintext Kafka record or field refused). */
  PLAINTEXT_REFUSED("plaintext_refused"),
  /** Any other failure (a KMS configuration error, a destroyed key handle, ...). */
  OTHER("other");

  private final String label;

  DecryptFailureKind(String label) {
    this.label = label;
  }

  /** The metric label value, e.g. {@code authentication_failed}. */
  public String label() {
    return label;
  }

  /**
   * The kind of {@code failure}: the first typed Pipeseal, KMS or registry exception on its cause
   * chain decides (wrappers such as {@code UndecryptableValueException} or a Kafka {@code
   * SerializationException} are looked through).
   */
  public static DecryptFailureKind of(Throwable failure) {
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
      DecryptFailureKind k = typed(t);
      if (k != null) {
        return k;
      }
    }
    return OTHER;
  }

  // Subclasses before their parents: SubjectErasedException is an UnknownKeyException.
  private static DecryptFailureKind typed(Throwable t) {
    if (t instanceof AuthenticationFailedException) {
      return AUTHENTICATION_FAILED;
    }
    if (t instanceof TruncatedCiphertextException) {
      return TRUNCATED;
    }
    if (t instanceof MalformedEnvelopeException
        || t instanceof UnknownAlgorithmException
        || t instanceof UnknownKeyReferenceKindException) {
      return MALFORMED;
    }
    if (t instanceof UnsupportedEnvelopeVersionException) {
      return UNSUPPORTED_VERSION;
    }
    if (t instanceof SubjectErasedException) {
      return SUBJECT_ERASED;
    }
    if (t instanceof UnknownKeyException) {
      return UNKNOWN_KEY;
    }
    if (t instanceof InvalidWrappedKeyException) {
      return INVALID_WRAPPED_KEY;
    }
    if (t instanceof AccessDeniedException) {
      return ACCESS_DENIED;
    }
    if (t instanceof KmsUnavailableException) {
      return KMS_UNAVAILABLE;
    }
    if (t instanceof RegistryException) {
      return REGISTRY;
    }
    if (t instanceof KmsException || t instanceof PipesealCryptoException) {
      return OTHER;
    }
    return null;
  }
}
