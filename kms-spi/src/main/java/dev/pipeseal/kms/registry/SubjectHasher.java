package dev.pipeseal.kms.registry;

import dev.pipeseal.kms.secret.Secret;
import dev.pipeseal.kms.secret.SecretReference;
import dev.pipeseal.kms.settings.Property;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns subject ids into {@link SubjectHash}es: HMAC-SHA256 (JCE) under a secret PRF key, over
 * {@code "pipeseal-subject-v1" || 0x00 || UTF-8(subject id)}, truncated to 16 bytes. The PRF key is
 * the UTF-8 bytes of a settings {@link Secret} (at least 32 bytes, e.g. {@code openssl rand -base64
 * 32}); it is never stored in the registry. Every writer and the {@code shred} command must use the
 * same PRF key, readers need none. Thread-safe.
 */
public final class SubjectHasher {
  /** Domain separation prefix; a new derivation would get a new label. */
  static final byte[] LABEL = "pipeseal-subject-v1\0".getBytes(StandardCharsets.US_ASCII);

  /**
   * The PRF key setting, declared once for every component that writes subject keys (Spark {@code
   * spark.pipeseal.subject.prf-key}, Kafka and the CLI {@code pipeseal.subject.prf-key}).
   */
  public static final Property<SecretReference> PRF_KEY =
      Property.secret(
          "subject.prf-key",
          "Secret key (at least 32 bytes) of the keyed hash that turns subject ids into registry"
              + " ids, by reference (env:NAME or file:/path); writers of per-subject keys and the"
              + " shred command need it, readers do not.");

  /** Shortest PRF key accepted, in bytes. */
  public static final int MIN_KEY_BYTES = 32;

  private final SecretKeySpec key;
  private final ThreadLocal<Mac> macs;

  private SubjectHasher(byte[] keyBytes) {
    if (keyBytes.length < MIN_KEY_BYTES) {
      Arrays.fill(keyBytes, (byte) 0);
      throw new IllegalArgumentException(
          "the subject PRF key must be at least " + MIN_KEY_BYTES + " bytes");
    }
    this.key = new SecretKeySpec(keyBytes, "HmacSHA256");
    Arrays.fill(keyBytes, (byte) 0);
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /** A hasher keyed by the UTF-8 bytes of {@code prfKey}. */
  public static SubjectHasher of(Secret prfKey) {
    Objects.requireNonNull(prfKey, "prfKey");
    ByteBuffer utf8 = StandardCharsets.UTF_8.encode(CharBuffer.wrap(prfKey.chars()));
    byte[] bytes = new byte[utf8.remaining()];
    utf8.get(bytes);
    if (utf8.hasArray()) {
      Arrays.fill(utf8.array(), (byte) 0);
    }
    return new SubjectHasher(bytes);
  }

  /** A hasher keyed by {@code keyBytes} (copied). */
  public static SubjectHasher of(byte[] keyBytes) {
    return new SubjectHasher(keyBytes.clone());
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (InvalidKeyException e) {
      throw new IllegalArgumentException("the subject PRF key was refused by HmacSHA256", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** The hash of a subject id (any non-empty string). */
  public SubjectHash hash(String subjectId) {
    Objects.requireNonNull(subjectId, "subjectId");
    return hash(subjectId.getBytes(StandardCharsets.UTF_8));
  }

  /** The hash of a subject id given as UTF-8 bytes. */
  public SubjectHash hash(byte[] subjectUtf8) {
    return hash(subjectUtf8, 0, subjectUtf8.length);
  }

  /** The hash of a subject id given as UTF-8 bytes {@code [off, off+len)}. */
  public SubjectHash hash(byte[] subjectUtf8, int off, int len) {
    if (len == 0) {
      throw new IllegalArgumentException("a subject id must not be empty");
    }
    Mac mac = macs.get();
    mac.update(LABEL);
    mac.update(subjectUtf8, off, len);
    byte[] out = mac.doFinal();
    return SubjectHash.fromBytes(out, 0);
  }

  /** Names nothing secret. */
  @Override
  public String toString() {
    return "SubjectHasher[HMAC-SHA256, key hidden]";
  }
}
