package dev.pipeseal.kms.registry;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The 8-byte id of a registry record, as stored in reference-mode ciphertexts. Random, so ids leak
 * nothing about order or count; collisions are detected at registration.
 *
 * @param value the id as a big-endian 64-bit number
 */
public record KeyId(long value) {
  /** Bytes in the binary form. */
  public static final int LENGTH_BYTES = 8;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  /** A fresh random id. */
  public static KeyId random() {
    return new KeyId(RANDOM.nextLong());
  }

  /** Parses the 8-byte big-endian form. */
  public static KeyId fromBytes(byte[] bytes) {
    if (bytes.length != LENGTH_BYTES) {
      throw new IllegalArgumentException(
          "key id must be " + LENGTH_BYTES + " bytes, got " + bytes.length);
    }
    long v = 0;
    for (byte b : bytes) {
      v = (v << 8) | (b & 0xFF);
    }
    return new KeyId(v);
  }

  /** Parses 16 lower- or upper-case hex digits. */
  public static KeyId parse(String hex) {
    if (hex.length() != 2 * LENGTH_BYTES) {
      throw new IllegalArgumentException("key id must be 16 hex digits: '" + hex + "'");
    }
    return new KeyId(HexFormat.fromHexDigitsToLong(hex));
  }

  /** The 8-byte big-endian form. */
  public byte[] toBytes() {
    byte[] out = new byte[LENGTH_BYTES];
    long v = value;
    for (int i = LENGTH_BYTES - 1; i >= 0; i--) {
      out[i] = (byte) v;
      v >>>= 8;
    }
    return out;
  }

  /** 16 lower-case hex digits; the form used in file names and JSON. */
  public String hex() {
    return HEX.toHexDigits(value);
  }

  @Override
  public String toString() {
    return hex();
  }
}
