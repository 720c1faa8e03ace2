package dev.pipeseal.kms.hadoop;

import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.WrappedKey;
import java.nio.ByteBuffer;
import org.apache.hadoop.crypto.key.KeyProviderCryptoExtension.EncryptedKeyVersion;

/**
 * The bytes of a {@code HADOOP-EEK-AES-CTR} wrapped key: a Hadoop encrypted key version (EEK), i.e.
 * the IV and the DEK encrypted by the KMS under one master key version with AES-CTR.
 *
 * <pre>
 * offset  size  field
 * 0       1     format version, 0x01
 * 1       1     IV length n (16 for AES-CTR)
 * 2       n     IV
 * 2+n     2     encrypted key length m, unsigned big-endian (32: Pipeseal DEKs are AES-256)
 * 4+n     m     encrypted key material
 * </pre>
 *
 * <p>The master key name and version are not in these bytes; they are the {@code masterKeyName} and
 * {@code masterKeyVersion} of the {@link dev.pipeseal.kms.WrappedKey}.
 *
 * <p>Parsing rejects wrong versions, lengths, truncation and trailing bytes. It cannot detect a bit
 * flipped inside the IV or the encrypted material: AES-CTR is unauthenticated, so the KMS returns a
 * different, wrong DEK, and the data's AES-GCM tag fails when that DEK is used. Authentication of
 * the wrapped key comes from the layers above (the wrapped-key record and the KEK layer), not from
 * Hadoop.
 */
final class EekCodec {
  static final String ALGORITHM = "HADOOP-EEK-AES-CTR";
  static final byte VERSION_1 = 1;
  static final int IV_LENGTH = 16;
  static final int KEY_LENGTH = 32;

  private EekCodec() {}

  /** An IV and encrypted material, as copies. */
  record Eek(byte[] iv, byte[] material) {}

  static byte[] encode(byte[] iv, byte[] encryptedMaterial) {
    if (iv.length != IV_LENGTH || encryptedMaterial.length != KEY_LENGTH) {
      throw new IllegalArgumentException(
          "unexpected EEK shape: iv " + iv.length + " bytes, key " + encryptedMaterial.length);
    }
    return ByteBuffer.allocate(4 + iv.length + encryptedMaterial.length)
        .put(VERSION_1)
        .put((byte) iv.length)
        .put(iv)
        .putShort((short) encryptedMaterial.length)
        .put(encryptedMaterial)
        .array();
  }

  static Eek decode(byte[] bytes, String keyName) {
    if (bytes.length < 2) {
      throw invalid(keyName, "wrapped key is truncated (" + bytes.length + " bytes)");
    }
    if (bytes[0] != VERSION_1) {
      throw invalid(keyName, "unknown wrapped key format version " + (bytes[0] & 0xff));
    }
    int ivLength = bytes[1] & 0xff;
    if (ivLength != IV_LENGTH) {
      throw invalid(keyName, "IV length " + ivLength + ", expected " + IV_LENGTH);
    }
    if (bytes.length < 4 + ivLength) {
      throw invalid(keyName, "wrapped key is truncated (" + bytes.length + " bytes)");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes, 2, bytes.length - 2);
    byte[] iv = new byte[ivLength];
    in.get(iv);
    int keyLength = in.getShort() & 0xffff;
    if (keyLength != KEY_LENGTH) {
      throw invalid(keyName, "encrypted key length " + keyLength + ", expected " + KEY_LENGTH);
    }
    if (in.remaining() != keyLength) {
      throw invalid(
          keyName,
          in.remaining() < keyLength
              ? "wrapped key is truncated (" + bytes.length + " bytes)"
              : "wrapped key has " + (in.remaining() - keyLength) + " trailing bytes");
    }
    byte[] material = new byte[keyLength];
    in.get(material);
    return new Eek(iv, material);
  }

  /** The wrapped-key record of a Hadoop EEK. */
  static WrappedKey toWrappedKey(EncryptedKeyVersion eek) {
    return new WrappedKey(
        HadoopKmsService.PROVIDER_ID,
        eek.getEncryptionKeyName(),
        eek.getEncryptionKeyVersionName(),
        ALGORITHM,
        encode(eek.getEncryptedKeyIv(), eek.getEncryptedKeyVersion().getMaterial()));
  }

  /**
   * The Hadoop EEK of a wrapped key, after checking provider, algorithm, that the version belongs
   * to the key ({@code name@n}) and the byte layout; fails with {@link InvalidWrappedKeyException}.
   */
  static EncryptedKeyVersion toEek(WrappedKey wrapped) {
    String name = wrapped.masterKeyName();
    if (!HadoopKmsService.PROVIDER_ID.equals(wrapped.provider())) {
      throw invalid(name, "wrapped by provider '" + wrapped.provider() + "'");
    }
    if (!ALGORITHM.equals(wrapped.algorithm())) {
      throw invalid(name, "unsupported algorithm '" + wrapped.algorithm() + "'");
    }
    if (!wrapped.masterKeyVersion().startsWith(name + "@")) {
      throw invalid(
          name, "key version '" + wrapped.masterKeyVersion() + "' does not belong to this key");
    }
    Eek eek = decode(wrapped.bytes(), name);
    return EncryptedKeyVersion.createForDecryption(
        name, wrapped.masterKeyVersion(), eek.iv(), eek.material());
  }

  private static InvalidWrappedKeyException invalid(String keyName, String message) {
    return new InvalidWrappedKeyException(HadoopKmsService.PROVIDER_ID, keyName, message);
  }
}
