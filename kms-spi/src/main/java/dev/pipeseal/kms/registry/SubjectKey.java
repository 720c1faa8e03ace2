package dev.pipeseal.kms.registry;

import dev.pipeseal.kms.WrappedKey;
import java.time.Instant;
import java.util.Objects;

/**
 * One data key of one subject. A subject normally has one; writers racing to create it may leave
 * several, and readers find each by {@code dekId}, which envelopes carry next to the subject hash.
 *
 * @param subject the subject's keyed hash
 * @param dekId random id of this key among the subject's keys
 * @param created when the key was created
 * @param wrapped the wrapped DEK (under a KEK of the bridge's KEK layer, normally)
 */
public record SubjectKey(SubjectHash subject, long dekId, Instant created, WrappedKey wrapped) {
  /** Bytes of an envelope's subject key reference: subject hash then DEK id. */
  public static final int REFERENCE_BYTES = SubjectHash.LENGTH_BYTES + 8;

  public SubjectKey {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(wrapped, "wrapped");
  }

  /** The envelope key reference bytes: {@code subject hash (16) || dekId (8, big-endian)}. */
  public byte[] referenceBytes() {
    byte[] out = new byte[REFERENCE_BYTES];
    subject.write(out, 0);
    SubjectHash.putLong(out, SubjectHash.LENGTH_BYTES, dekId);
    return out;
  }

  /** The DEK id of reference bytes (after the subject hash). */
  public static long dekIdOf(byte[] reference) {
    if (reference.length != REFERENCE_BYTES) {
      throw new IllegalArgumentException(
          "a subject key reference is " + REFERENCE_BYTES + " bytes, got " + reference.length);
    }
    return SubjectHash.longAt(reference, SubjectHash.LENGTH_BYTES);
  }
}
