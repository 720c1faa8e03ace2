package dev.pipeseal.bench.batch;

import dev.pipeseal.crypto.envelope.MalformedEnvelopeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little-endian IEEE 754 encoding of float and double vectors, in bulk and without boxing. */
final class Floats {
  private Floats() {}

  static void put(float[] v, int off, int len, byte[] out) {
    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(v, off, len);
  }

  static void put(double[] v, int off, int len, byte[] out) {
    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().put(v, off, len);
  }

  static void get(byte[] in, int count, float[] out, int outOff) {
    ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out, outOff, count);
  }

  static void get(byte[] in, int count, double[] out, int outOff) {
    ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out, outOff, count);
  }

  /** Elements in a plaintext of {@code bytes} bytes; rejects a partial element. */
  static int elements(int bytes, int width, String what) {
    if (bytes % width != 0) {
      throw new MalformedEnvelopeException(
          what
              + ": plaintext is "
              + bytes
              + " bytes, not a whole number of "
              + width
              + "-byte values");
    }
    return bytes / width;
  }
}
