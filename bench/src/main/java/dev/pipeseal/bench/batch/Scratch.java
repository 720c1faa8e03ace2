package dev.pipeseal.bench.batch;

import java.util.Arrays;

/** A per-thread byte buffer for vector plaintexts; callers zero it after every use. */
final class Scratch {
  // Larger vectors get a one-off buffer rather than pinning a huge one to the thread.
  private static final int MAX_CACHED = 1 << 20;

  private final ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[4096]);

  byte[] get(int size) {
    if (size > MAX_CACHED) {
      return new byte[size];
    }
    byte[] b = buffers.get();
    if (b.length < size) {
      b = new byte[Math.min(MAX_CACHED, Math.max(size, b.length * 2))];
      buffers.set(b);
    }
    return b;
  }

  static void clear(byte[] b, int size) {
    Arrays.fill(b, 0, size, (byte) 0);
  }
}
