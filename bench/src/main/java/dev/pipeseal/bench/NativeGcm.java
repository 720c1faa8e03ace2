package dev.pipeseal.bench;

/**
 * The bench-only JNI shim over libsodium's AES-256-GCM ({@code bench/src/main/c/sodium_gcm.c}),
 * loaded from {@code -Dbench.native.lib} (which {@code ./bench/run native} builds). It exists to
 * measure a native small-value AEAD before any product code depends on one; nothing in a released
 * artifact uses it.
 */
final class NativeGcm {
  private static final String LIB = System.getProperty("bench.native.lib");
  private static final boolean LOADED = load();

  private NativeGcm() {}

  private static boolean load() {
    if (LIB == null) {
      return false;
    }
    System.load(LIB);
    return available();
  }

  /** Whether the shim is loaded and the CPU has what libsodium's AES-GCM needs (AES-NI, CLMUL). */
  static boolean loaded() {
    return LOADED;
  }

  static native boolean available();

  /** A precomputed key (schedule and GHASH key) with fixed associated data; free with close. */
  static native long open(byte[] key, byte[] aad);

  /** {@code out} = nonce (12, written by the caller) || ciphertext || tag; 0 on success. */
  static native int seal(long key, byte[] plaintext, int len, byte[] out);

  /** The inverse of {@link #seal}: {@code len} bytes of {@code in} into {@code plaintext}. */
  static native int open0(long key, byte[] in, int len, byte[] plaintext);

  static native void close(long key);
}
