package dev.pipeseal.envelope;

import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.envelope.KeyReferenceKind;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.util.Objects;

/**
 * Key references for envelopes, backed by one KMS (normally a {@link
 * dev.pipeseal.kms.bridge.KmsBridge}, which caches unwrapped keys) and optionally a key registry.
 * Thread-safe and long-lived: one per process and configuration. Does not own the KMS or registry;
 * their owner closes them.
 */
public final class EnvelopeKeys {
  private final Kms kms;
  private final KeyRegistry registry;
  private final SubjectKeyRegistry subjects;

  private EnvelopeKeys(Kms kms, KeyRegistry registry, SubjectKeyRegistry subjects) {
    this.kms = Objects.requireNonNull(kms, "kms");
    this.registry = registry;
    this.subjects = subjects;
  }

  /** Inline references only (the Kafka default): a reader needs nothing but KMS access. */
  public static EnvelopeKeys inline(Kms kms) {
    return new EnvelopeKeys(kms, null, null);
  }

  /** Inline and registry references (the Spark column default stores 8-byte registry ids). */
  public static EnvelopeKeys withRegistry(Kms kms, KeyRegistry registry) {
    return new EnvelopeKeys(kms, Objects.requireNonNull(registry, "registry"), null);
  }

  /**
   * These references plus per-subject keys (crypto-shredding) from {@code subjects}; {@code
   * registry} may be null where only inline and subject references are read (Kafka).
   */
  public static EnvelopeKeys withSubjects(
      Kms kms, KeyRegistry registry, SubjectKeyRegistry subjects) {
    return new EnvelopeKeys(kms, registry, Objects.requireNonNull(subjects, "subjects"));
  }

  /** The subject key registry, or null when none is configured. */
  public SubjectKeyRegistry subjects() {
    return subjects;
  }

  /** The reference an envelope under a subject's key carries. */
  public KeyReference subjectReference(SubjectKey key) {
    return KeyReference.of(KeyReferenceKind.SUBJECT_KEY_ID, key.referenceBytes());
  }

  public Kms kms() {
    return kms;
  }

  /** Generates a DEK under the current version of {@code masterKeyName}; the caller closes it. */
  public DataKeyPair generate(String masterKeyName) {
    return KmsCalls.await(kms.generateDataKey(masterKeyName));
  }

  /** The reference that carries {@code wrapped} inside each envelope. */
  public KeyReference inlineReference(WrappedKey wrapped) {
    return KeyReference.inlineWrappedKey(WrappedKeyCodec.toBinary(wrapped));
  }

  /** Stores {@code wrapped} in the registry and returns the short reference to it. */
  public KeyReference registryReference(WrappedKey wrapped) {
    return KeyReference.registryKeyId(
        requireRegistry(wrapped.masterKeyName()).register(wrapped).toBytes());
  }

  /**
   * The wrapped key a reference names.
   *
   * @throws InvalidWrappedKeyException if an inline key is corrupt
   * @throws UnknownKeyException if a registry id is not in the registry, or a subject key is
   *     unknown ({@link dev.pipeseal.kms.registry.SubjectErasedException} if it was shredded)
   */
  public WrappedKey wrappedKey(KeyReference reference) {
    byte[] bytes = reference.bytes();
    return switch (reference.kind()) {
      case INLINE_WRAPPED_KEY -> WrappedKeyCodec.fromBinary(bytes);
      case REGISTRY_KEY_ID -> {
        if (bytes.length != KeyId.LENGTH_BYTES) {
          throw new InvalidWrappedKeyException(
              kms.providerId(), null, "registry key id has " + bytes.length + " bytes, expected 8");
        }
        KeyId id = KeyId.fromBytes(bytes);
        yield requireRegistry(null)
            .get(id)
            .orElseThrow(
                () ->
                    new UnknownKeyException(
                        kms.providerId(),
                        null,
                        "key id " + id.hex() + " is not in the key registry " + registry))
            .wrapped();
      }
      case SUBJECT_KEY_ID -> {
        if (bytes.length != SubjectKey.REFERENCE_BYTES) {
          throw new InvalidWrappedKeyException(
              kms.providerId(),
              null,
              "subject key reference has "
                  + bytes.length
                  + " bytes, expected "
                  + SubjectKey.REFERENCE_BYTES);
        }
        if (subjects == null) {
          throw new UnknownKeyException(
              kms.providerId(),
              null,
              "subject key references need a key registry with subject keys, and none is"
                  + " configured");
        }
        SubjectHash subject = SubjectHash.fromBytes(bytes, 0);
        long dekId = SubjectKey.dekIdOf(bytes);
        yield subjects
            .key(subject, dekId)
            .orElseThrow(
                () ->
                    new UnknownKeyException(
                        kms.providerId(),
                        null,
                        "key "
                            + Long.toHexString(dekId)
                            + " of subject "
                            + subject.hex()
                            + " is not in the key registry"))
            .wrapped();
      }
    };
  }

  /**
   * Whether a reference is well formed for its kind, without resolving it: an inline wrapped key
   * that parses, or an id of the right length. Needs neither the KMS nor the registry, so an outage
   * or an erased subject key never makes an envelope look like plaintext.
   */
  public static boolean isWellFormed(KeyReference reference) {
    byte[] bytes = reference.bytes();
    return switch (reference.kind()) {
      case INLINE_WRAPPED_KEY -> {
        try {
          WrappedKeyCodec.fromBinary(bytes);
          yield true;
        } catch (KmsException e) {
          yield false;
        }
      }
      case REGISTRY_KEY_ID -> bytes.length == KeyId.LENGTH_BYTES;
      case SUBJECT_KEY_ID -> bytes.length == SubjectKey.REFERENCE_BYTES;
    };
  }

  /** Unwraps the DEK a reference names; the caller closes it. */
  public DataKey unwrap(KeyReference reference) {
    return KmsCalls.await(kms.unwrap(wrappedKey(reference)));
  }

  private KeyRegistry requireRegistry(String keyName) {
    if (registry == null) {
      throw new UnknownKeyException(
          kms.providerId(),
          keyName,
          "registry key references need a key registry, and none is configured");
    }
    return registry;
  }
}
