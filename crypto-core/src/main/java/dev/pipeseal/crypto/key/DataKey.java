package dev.pipeseal.crypto.key;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The one place plaintext DEK bytes live.
 *
 * <p>A {@code DataKey} starts with one reference, held by whoever created it. {@link #retain()}
 * adds one (a cache entry, an encryptor handle), {@link #close()} drops one, and when the count
 * reaches zero the material is zeroed and every later use fails with {@link KeyDestroyedException}.
 * JCE copies key bytes into its own key schedule; we zero the copies we own, which is as far as the
 * JDK allows.
 *
 * <p>Every encryption under this key must be counted with {@link #countEncryptions(long)}; the key
 * refuses to exceed its {@link #maxEncryptions() limit}, so callers rotate DEKs before any nonce or
 * usage bound is approached.
 */
public final class DataKey implements AutoCloseable {
  /** AES-256. */
  public static final int LENGTH_BYTES = 32;

  /** Default encryption limit per DEK: far below any bound of the envelope's nonce scheme. */
  public static final long DEFAULT_MAX_ENCRYPTIONS = 1L << 40;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] material;
  private final long maxEncryptions;
  private final AtomicLong encryptions = new AtomicLong();
  private final AtomicInteger references = new AtomicInteger(1);

  private DataKey(byte[] material, long maxEncryptions) {
    if (material.length != LENGTH_BYTES) {
      throw new IllegalArgumentException(
          "data key must be " + LENGTH_BYTES + " bytes, got " + material.length);
    }
    if (maxEncryptions <= 0) {
      throw new IllegalArgumentException("maxEncryptions must be positive: " + maxEncryptions);
    }
    this.material = material;
    this.maxEncryptions = maxEncryptions;
  }

  /** A fresh random AES-256 key with the default usage limit. */
  public static DataKey generate() {
    return generate(DEFAULT_MAX_ENCRYPTIONS);
  }

  /** A fresh random AES-256 key that refuses more than {@code maxEncryptions} encryptions. */
  public static DataKey generate(long maxEncryptions) {
    byte[] bytes = new byte[LENGTH_BYTES];
    RANDOM.nextBytes(bytes);
    return new DataKey(bytes, maxEncryptions);
  }

  /**
   * Takes a copy of {@code material}; the caller should zero its own array afterwards (see {@link
   * #zero(byte[])}).
   */
  public static DataKey copyOf(byte[] material) {
    return copyOf(material, DEFAULT_MAX_ENCRYPTIONS);
  }

  /** As {@link #copyOf(byte[])} with an explicit encryption limit. */
  public static DataKey copyOf(byte[] material, long maxEncryptions) {
    return new DataKey(material.clone(), maxEncryptions);
  }

  /** Overwrites {@code bytes} with zeros; for callers that held a transient copy of a key. */
  public static void zero(byte[] bytes) {
    if (bytes != null) {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /**
   * Adds a reference: the material stays alive until this reference is also closed. Returns {@code
   * this} for chaining.
   */
  public DataKey retain() {
    while (true) {
      int current = references.get();
      if (current <= 0) {
        throw new KeyDestroyedException("data key was destroyed; cannot take a new reference");
      }
      if (references.compareAndSet(current, current + 1)) {
        return this;
      }
    }
  }

  /** Drops one reference; the last one zeroes the material. Idempotent once destroyed. */
  @Override
  public void close() {
    while (true) {
      int current = references.get();
      if (current <= 0) {
        return;
      }
      if (references.compareAndSet(current, current - 1)) {
        if (current == 1) {
          Arrays.fill(material, (byte) 0);
        }
        return;
      }
    }
  }

  /** True once the last reference closed and the material was zeroed. */
  public boolean isDestroyed() {
    return references.get() <= 0;
  }

  /** Live references; for tests and cache diagnostics. */
  public int referenceCount() {
    return Math.max(0, references.get());
  }

  /** The encryption limit of this key. */
  public long maxEncryptions() {
    return maxEncryptions;
  }

  /** Encryptions counted so far. */
  public long encryptionCount() {
    return encryptions.get();
  }

  /**
   * Reserves {@code n} encryptions against the limit. Throws without reserving anything when the
   * limit would be exceeded, so a batch is either fully allowed or not started.
   */
  public void countEncryptions(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("negative count " + n);
    }
    ensureAlive();
    while (true) {
      long used = encryptions.get();
      long next = used + n;
      if (next > maxEncryptions || next < used) {
        throw new KeyUsageLimitExceededException(
            "data key usage limit reached ("
                + used
                + " of "
                + maxEncryptions
                + " encryptions used, "
                + n
                + " requested): rotate to a new data key");
      }
      if (encryptions.compareAndSet(used, next)) {
        return;
      }
    }
  }

  /**
   * Lends a copy of the material to {@code use} and zeroes the copy afterwards.
   *
   * <p>Only code that builds cipher state (crypto-core primitives) or wraps the key for storage
   * (KMS providers) may call this; a layering test enforces that. The function must not keep the
   * array.
   */
  public <R> R withMaterial(Function<byte[], R> use) {
    ensureAlive();
    byte[] copy = material.clone();
    try {
      // The material may have been zeroed concurrently by a racing close(); refuse to hand out
      // an all-zero key.
      ensureAlive();
      return use.apply(copy);
    } finally {
      Arrays.fill(copy, (byte) 0);
    }
  }

  private void ensureAlive() {
    if (references.get() <= 0) {
      throw new KeyDestroyedException("data key was destroyed (its last handle closed)");
    }
  }

  /** Never shows material. */
  @Override
  public String toString() {
    return "DataKey[AES-256, destroyed="
        + isDestroyed()
        + ", encryptions="
        + encryptions.get()
        + "/"
        + maxEncryptions
        + "]";
  }
}
