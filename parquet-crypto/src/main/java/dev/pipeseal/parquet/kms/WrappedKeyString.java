package dev.pipeseal.parquet.kms;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.aead.RandomNonceGcm;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.KeyMigration;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CompletionStage;

/**
 * The string our {@code KmsClient} hands Parquet for a wrapped key (format v1, see {@code
 * docs/parquet.md}): standard padded base64 of
 *
 * <pre>
 * u8  version 0x01
 * u16 n, then n bytes: the bridge DEK as a WrappedKeyCodec binary v1 record
 * nonce(12) || AES-256-GCM(DEK, Parquet key bytes) || tag(16)
 * </pre>
 *
 * The GCM associated data is {@code "pipeseal/parquet/key/v1"} then the master key identifier as
 * u16 length and UTF-8, so a string moved to another master key fails. The wrapped DEK record is
 * not in the associated data on purpose: a rotation rewraps only that record (same DEK), leaving
 * the ciphertext valid.
 *
 * @param wrapped the bridge DEK, naming provider, master key and master key version
 * @param ciphertext nonce, ciphertext and tag of the Parquet key under that DEK
 */
public record WrappedKeyString(WrappedKey wrapped, byte[] ciphertext) {
  /** Format version byte. */
  public static final int VERSION = 1;

  private static final byte[] LABEL = "pipeseal/parquet/key/v1".getBytes(StandardCharsets.US_ASCII);
  private static final int MIN_CIPHERTEXT =
      RandomNonceGcm.NONCE_BYTES + 16 + RandomNonceGcm.TAG_BYTES;
  private static final int MAX_CIPHERTEXT =
      RandomNonceGcm.NONCE_BYTES + 32 + RandomNonceGcm.TAG_BYTES;

  public WrappedKeyString {
    ciphertext = ciphertext.clone();
  }

  @Override
  public byte[] ciphertext() {
    return ciphertext.clone();
  }

  /** Encrypts Parquet's {@code keyBytes} under {@code dek}, bound to {@code masterKey}. */
  public static WrappedKeyString seal(
      WrappedKey wrapped, DataKey dek, byte[] keyBytes, String masterKey) {
    try (RandomNonceGcm gcm = RandomNonceGcm.create(dek)) {
      return new WrappedKeyString(wrapped, gcm.encrypt(keyBytes, associatedData(masterKey)));
    }
  }

  /** Decrypts the Parquet key with {@code dek} (the unwrapped {@link #wrapped()}). */
  public byte[] open(DataKey dek, String masterKey) {
    try (RandomNonceGcm gcm = RandomNonceGcm.create(dek)) {
      return gcm.decrypt(ciphertext, associatedData(masterKey));
    } catch (PipesealCryptoException e) {
      throw new ParquetKeyException(
          masterKey,
          "wrapped Parquet key fails authentication (tampered, or wrapped for another master key)",
          e);
    }
  }

  /**
   * Rewraps a stored string under the current version of its master key, for rotation jobs: only
   * the DEK record changes ({@code Kms.rewrap}, no key leaves the KMS layer); the Parquet key's
   * ciphertext is kept. Returns {@code text} itself when the record is already current.
   */
  public static CompletionStage<String> rewrap(String text, String masterKey, Kms kms) {
    WrappedKeyString parsed = decode(text, masterKey);
    return kms.rewrap(parsed.wrapped())
        .thenApply(w -> w.equals(parsed.wrapped()) ? text : parsed.withWrapped(w).encode());
  }

  /**
   * Moves a stored string to the provider {@code kms} writes with, for migration jobs: the DEK
   * record is unwrapped by its own provider and the same DEK wrapped by the writer ({@link
   * KeyMigration#moveTo}); the Parquet key's ciphertext under that DEK is kept, so data files are
   * untouched. Returns {@code text} itself when the record is already the writer's.
   */
  public static CompletionStage<String> moveTo(String text, String masterKey, Kms kms) {
    WrappedKeyString parsed = decode(text, masterKey);
    return KeyMigration.moveTo(kms, parsed.wrapped())
        .thenApply(w -> w.equals(parsed.wrapped()) ? text : parsed.withWrapped(w).encode());
  }

  /** The same Parquet key with another wrapped DEK record, e.g. after a rewrap. */
  public WrappedKeyString withWrapped(WrappedKey rewrapped) {
    return new WrappedKeyString(rewrapped, ciphertext);
  }

  /** Base64 of the v1 binary form. */
  public String encode() {
    byte[] record = WrappedKeyCodec.toBinary(wrapped);
    if (record.length > 0xffff) {
      throw new ParquetKeyException(
          wrapped.masterKeyName(), "wrapped DEK record longer than 65535 bytes");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(3 + record.length + ciphertext.length);
    out.write(VERSION);
    out.write(record.length >>> 8);
    out.write(record.length);
    out.writeBytes(record);
    out.writeBytes(ciphertext);
    return Base64.getEncoder().encodeToString(out.toByteArray());
  }

  /**
   * Parses a string written by {@link #encode()}; {@code masterKey} only names the key in errors.
   *
   * @throws ParquetKeyException on anything but a well-formed v1 string
   */
  public static WrappedKeyString decode(String text, String masterKey) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new ParquetKeyException(masterKey, "wrapped Parquet key is not base64");
    }
    if (bytes.length < 3) {
      throw new ParquetKeyException(masterKey, "wrapped Parquet key is truncated");
    }
    if ((bytes[0] & 0xff) != VERSION) {
      throw new ParquetKeyException(
          masterKey,
          "wrapped Parquet key has format version "
              + (bytes[0] & 0xff)
              + "; this release reads version "
              + VERSION);
    }
    int n = ((bytes[1] & 0xff) << 8) | (bytes[2] & 0xff);
    int rest = bytes.length - 3 - n;
    if (n == 0 || rest < MIN_CIPHERTEXT || rest > MAX_CIPHERTEXT) {
      throw new ParquetKeyException(masterKey, "wrapped Parquet key is truncated or malformed");
    }
    WrappedKey wrapped;
    try {
      wrapped = WrappedKeyCodec.fromBinary(bytes, 3, n);
    } catch (InvalidWrappedKeyException e) {
      throw new ParquetKeyException(masterKey, "wrapped DEK record is malformed", e);
    }
    return new WrappedKeyString(wrapped, Arrays.copyOfRange(bytes, 3 + n, bytes.length));
  }

  static byte[] associatedData(String masterKey) {
    byte[] name = masterKey.getBytes(StandardCharsets.UTF_8);
    if (name.length > 0xffff) {
      throw new IllegalArgumentException("master key identifier longer than 65535 bytes");
    }
    return ByteBuffer.allocate(LABEL.length + 2 + name.length)
        .put(LABEL)
        .putShort((short) name.length)
        .put(name)
        .array();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WrappedKeyString w
        && wrapped.equals(w.wrapped)
        && Arrays.equals(ciphertext, w.ciphertext);
  }

  @Override
  public int hashCode() {
    return 31 * wrapped.hashCode() + Arrays.hashCode(ciphertext);
  }

  /** Names the wrapping key, never shows bytes. */
  @Override
  public String toString() {
    return "WrappedKeyString[" + wrapped + ", " + ciphertext.length + " bytes]";
  }
}
