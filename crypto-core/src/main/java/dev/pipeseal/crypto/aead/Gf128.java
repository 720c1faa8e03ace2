package dev.pipeseal.crypto.aead;

/** Doubling in GF(2^128) as CMAC (RFC 4493) and S2V (RFC 5297) define it. */
final class Gf128 {
  private Gf128() {}

  /** {@code out = dbl(in)}; {@code in} and {@code out} may be the same array. */
  static void dbl(byte[] in, byte[] out) {
    int carry = (in[0] & 0x80) != 0 ? 0x87 : 0;
    for (int i = 0; i < 15; i++) {
      out[i] = (byte) ((in[i] << 1) | ((in[i + 1] & 0xff) >>> 7));
    }
    out[15] = (byte) ((in[15] << 1) ^ carry);
  }

  static void xor(byte[] a, int aOff, byte[] b, int bOff, int len) {
    for (int i = 0; i < len; i++) {
      a[aOff + i] ^= b[bOff + i];
    }
  }
}
