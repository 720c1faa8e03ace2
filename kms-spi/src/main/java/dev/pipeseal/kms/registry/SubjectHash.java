package dev.pipeseal.kms.registry;

import java.util.HexFormat;

/**
 * The 16-byte keyed hash that stands for one data subject (a user id) in the key registry and in
 * envelopes. It is {@link SubjectHasher}'s HMAC-SHA256 of the subject id under a secret PRF key,
 * truncated to 128 bits, so the registry and the data never hold subject ids in clear, and nobody
 * without the PRF key can test a guessed id against them. 128 bits keep collisions out of reach at
 * any subject count (about 2^-64 at 10^10 subjects).
 *
 * @param high the first 8 bytes, big-endian
 * @param low the last 8 bytes, big-endian
 */
public record SubjectHash(long high, long low) {
  /** Bytes in the binary form. */
  public static final int LENGTH_BYTES = 16;

  private static final HexFormat HEX = HexFormat.of();

  /** Parses the 16-byte form at {@code off}. */
  public static SubjectHash fromBytes(byte[] bytes, int off) {
    if (off < 0 || bytes.length - off < LENGTH_BYTES) {
      throw new IllegalArgumentException("a subject hash is " + LENGTH_BYTES + " bytes");
    }
    return new SubjectHash(longAt(bytes, off), longAt(bytes, off + 8));
  }

  /** Parses 32 hex digits. */
  public static SubjectHash parse(String hex) {
    if (hex.length() != 2 * LENGTH_BYTES) {
      throw new IllegalArgumentException("a subject hash is 32 hex digits: '" + hex + "'");
    }
    return new SubjectHash(
        HexFormat.fromHexDigitsToLong(hex, 0, 16), HexFormat.fromHexDigitsToLong(hex, 16, 32));
  }

  /** Writes the 16-byte big-endian form at {@code off}. */
  public void write(byte[] out, int off) {
    putLong(out, off, high);
    putLong(out, off + 8, low);
  }

  public byte[] toBytes() {
    byte[] out = new byte[LENGTH_BYTES];
    write(out, 0);
    return out;
  }

  /** 32 lower-case hex digits; the form in messages, audit lines and the CLI. */
  public String hex() {
    return HEX.toHexDigits(high) + HEX.toHexDigits(low);
  }

  @Override
  public String toString() {
    return hex();
  }

  static long longAt(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  static void putLong(byte[] out, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      out[off + i] = (byte) v;
      v >>>= 8;
    }
  }
}
