package dev.pipeseal.kms.hierarchy;

import dev.pipeseal.crypto.aead.RandomNonceGcm;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes of a DEK wrapped under a KEK (algorithm {@value KekKms#ALGORITHM}), big-endian:
 *
 * <pre>
 * u8   layout version = 0x01
 * u16  n = length of the KEK record
 * n    KEK record: WrappedKeyCodec binary v1 of the KEK as the master key wrapped it
 * 60   DEK ciphertext: nonce(12) || AES-256-GCM(KEK, DEK)(32) || tag(16)
 * </pre>
 *
 * The DEK ciphertext's associated data is {@code "pipeseal/kek/dek/v1"}, then provider id and
 * master key name (each as u16 length + UTF-8). It leaves out the master key version on purpose:
 * rewrap replaces only the KEK record, so the DEK ciphertext must stay valid across versions.
 */
final class KekLayout {
  static final int VERSION = 1;
  static final int DEK_CIPHERTEXT_BYTES =
      RandomNonceGcm.NONCE_BYTES + DataKey.LENGTH_BYTES + RandomNonceGcm.TAG_BYTES;
  private static final byte[] AAD_LABEL = "pipeseal/kek/dek/v1".getBytes(StandardCharsets.US_ASCII);

  /** A parsed layout: the embedded KEK and the DEK ciphertext. */
  record Parts(WrappedKey kek, byte[] dekCiphertext) {}

  private KekLayout() {}

  static byte[] write(byte[] kekRecord, byte[] dekCiphertext) {
    if (kekRecord.length > 0xFFFF || dekCiphertext.length != DEK_CIPHERTEXT_BYTES) {
      throw new IllegalArgumentException("KEK record or DEK ciphertext has an invalid length");
    }
    return ByteBuffer.allocate(1 + 2 + kekRecord.length + dekCiphertext.length)
        .put((byte) VERSION)
        .putShort((short) kekRecord.length)
        .put(kekRecord)
        .put(dekCiphertext)
        .array();
  }

  /** Parses and cross-checks the outer labels against the embedded, authenticated KEK record. */
  static Parts read(WrappedKey outer) {
    byte[] bytes = outer.bytes();
    String name = outer.masterKeyName();
    if (bytes.length < 3) {
      throw invalid(outer, "KEK-wrapped key is truncated (" + bytes.length + " bytes)");
    }
    if ((bytes[0] & 0xFF) != VERSION) {
      throw invalid(outer, "unknown KEK layout version " + (bytes[0] & 0xFF));
    }
    int n = ((bytes[1] & 0xFF) << 8) | (bytes[2] & 0xFF);
    if (bytes.length != 3 + n + DEK_CIPHERTEXT_BYTES) {
      throw invalid(
          outer,
          "KEK-wrapped key has "
              + bytes.length
              + " bytes, expected "
              + (3 + n + DEK_CIPHERTEXT_BYTES)
              + " (truncated or padded)");
    }
    WrappedKey kek;
    try {
      kek = WrappedKeyCodec.fromBinary(bytes, 3, n);
    } catch (InvalidWrappedKeyException e) {
      throw new InvalidWrappedKeyException(
          outer.provider(), name, "embedded KEK record is invalid: " + e.getMessage(), e);
    }
    if (!kek.provider().equals(outer.provider())
        || !kek.masterKeyName().equals(name)
        || !kek.masterKeyVersion().equals(outer.masterKeyVersion())) {
      throw invalid(
          outer,
          "labels do not match the embedded KEK ("
              + kek.provider()
              + ":"
              + kek.masterKeyName()
              + "@"
              + kek.masterKeyVersion()
              + ")");
    }
    return new Parts(kek, Arrays.copyOfRange(bytes, 3 + n, bytes.length));
  }

  static byte[] aad(String provider, String masterKeyName) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(AAD_LABEL);
      out.writeUTF(provider);
      out.writeUTF(masterKeyName);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static InvalidWrappedKeyException invalid(WrappedKey outer, String message) {
    return new InvalidWrappedKeyException(
        outer.provider(),
        outer.masterKeyName(),
        "version " + outer.masterKeyVersion() + ": " + message);
  }
}
