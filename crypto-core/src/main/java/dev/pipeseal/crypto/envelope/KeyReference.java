package dev.pipeseal.crypto.envelope;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What an envelope says about its data key: a kind and 1 to 65535 bytes. Immutable; readers resolve
 * it to a {@link dev.pipeseal.crypto.key.DataKey} before decrypting. It names a key but holds no
 * key material (a wrapped key is ciphertext), so it may appear in error messages.
 */
public final class KeyReference {
  /** Longest reference the v1 length varint allows. */
  public static final int MAX_BYTES = 65535;

  private final KeyReferenceKind kind;
  private final byte[] bytes;

  KeyReference(KeyReferenceKind kind, byte[] bytes) {
    this.kind = Objects.requireNonNull(kind, "kind");
    if (bytes.length == 0 || bytes.length > MAX_BYTES) {
      throw new IllegalArgumentException(
          "key reference must be 1 to " + MAX_BYTES + " bytes, got " + bytes.length);
    }
    this.bytes = bytes;
  }

  /** A reference of the given kind; copies {@code bytes}. */
  public static KeyReference of(KeyReferenceKind kind, byte[] bytes) {
    return new KeyReference(kind, bytes.clone());
  }

  /** Wrapped-key bytes from the KMS layer, carried inline. */
  public static KeyReference inlineWrappedKey(byte[] wrappedKey) {
    return of(KeyReferenceKind.INLINE_WRAPPED_KEY, wrappedKey);
  }

  /** A key id into the registry (e.g. 8 bytes). */
  public static KeyReference registryKeyId(byte[] keyId) {
    return of(KeyReferenceKind.REGISTRY_KEY_ID, keyId);
  }

  public KeyReferenceKind kind() {
    return kind;
  }

  /** A copy of the reference bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  public int length() {
    return bytes.length;
  }

  byte[] rawBytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyReference other
        && other.kind == kind
        && Arrays.equals(other.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return 31 * kind.hashCode() + Arrays.hashCode(bytes);
  }

  /** For messages: registry ids in hex (first 32 bytes), wrapped keys by length only. */
  @Override
  public String toString() {
    if (kind == KeyReferenceKind.SUBJECT_KEY_ID) {
      return "subject key " + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 32));
    }
    if (kind == KeyReferenceKind.REGISTRY_KEY_ID) {
      String hex = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 32));
      return "registry key id " + hex + (bytes.length > 32 ? "..." : "");
    }
    return "inline wrapped key (" + bytes.length + " bytes)";
  }
}
