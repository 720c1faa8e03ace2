package dev.pipeseal.crypto.aead;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Locale;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The optional native backend of {@link CallerNonceGcm}: libsodium's AES-256-GCM with a precomputed
 * key, statically linked into {@code libpipeseal_gcm.so}, which the build puts into this jar for
 * linux-x86_64 when gcc and libsodium-dev are there ({@code src/main/c}). Per value it costs one
 * JNI call instead of JCE's {@code Cipher.init} plus {@code doFinal}, which is what dominates small
 * values (Spark cells); {@code ./bench/run native} measures it.
 *
 * <p>Loaded once per class loader: the library is copied from the jar to a temporary file, loaded
 * and the file deleted. It is used only if it loads, libsodium finds AES-NI and PCLMULQDQ, and a
 * known-answer check against JCE passes; otherwise (another platform, no library in the jar, {@code
 * -Dpipeseal.crypto.native=off}) everything runs on JCE, with {@link #status()} saying why. The
 * bytes are the same either way: it is the same algorithm.
 *
 * <p>A native key (AES key schedule and GHASH key) lives outside the Java heap, so {@link Key}
 * frees and zeroes it when its owner becomes unreachable.
 */
final class NativeGcm {
  /** System property: {@code off} keeps every key on JCE; {@code auto} (default) uses native. */
  static final String PROPERTY = "pipeseal.crypto.native";

  private static final String RESOURCE =
      "/dev/pipeseal/crypto/aead/native/linux-x86_64/libpipeseal_gcm.so";
  private static final String STATUS;
  private static final boolean AVAILABLE;

  static {
    String status;
    boolean ok = false;
    try {
      status = load();
      ok = status == null;
      if (ok) {
        status = selfTest();
        ok = status == null;
      }
      if (ok) {
        status = "native: libsodium AES-256-GCM (AES-NI)";
      }
    } catch (LinkageError | RuntimeException | OutOfMemoryError e) {
      // Whatever goes wrong here leaves this JVM on JCE; it must never make the class unusable.
      status = "JCE: the native library did not load (" + e.getClass().getSimpleName() + ")";
      ok = false;
    }
    AVAILABLE = ok;
    STATUS = status;
  }

  private NativeGcm() {}

  /** Whether keys made now use the native backend. */
  static boolean available() {
    return AVAILABLE;
  }

  /** Which backend new keys use, and if JCE, why. */
  static String status() {
    return STATUS;
  }

  /** Null when loaded, else why not. */
  private static String load() {
    if ("off".equalsIgnoreCase(System.getProperty(PROPERTY, "auto"))) {
      return "JCE: -D" + PROPERTY + "=off";
    }
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return "JCE: no native library for " + os + "-" + arch;
    }
    try (InputStream in = NativeGcm.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return "JCE: this build has no native library (built without gcc and libsodium-dev)";
      }
      Path file = Files.createTempFile("pipeseal-gcm-", ".so");
      try {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        System.load(file.toAbsolutePath().toString());
      } finally {
        // Loaded libraries stay mapped after the file is gone.
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      return "JCE: cannot copy the native library to a temporary file (" + e.getMessage() + ")";
    }
    if (init() != 1) {
      return "JCE: libsodium's AES-256-GCM needs AES-NI and PCLMULQDQ, which this CPU lacks";
    }
    return null;
  }

  /** Seals and opens random values with both backends; null if they agree and forgeries fail. */
  private static String selfTest() {
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    byte[] nonce = new byte[12];
    byte[] aad = new byte[21];
    byte[] msg = new byte[77];
    random.nextBytes(key);
    random.nextBytes(nonce);
    random.nextBytes(aad);
    random.nextBytes(msg);
    Key k = Key.create(key);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      c.updateAAD(aad);
      byte[] jce = c.doFinal(msg);
      byte[] nat = new byte[msg.length + 16];
      byte[] aad1 = Arrays.copyOf(aad, 5);
      byte[] aad2 = Arrays.copyOfRange(aad, 5, aad.length);
      if (k.seal(nonce, 0, aad1, aad2, msg, 0, 77, nat, 0) != 0 || !Arrays.equals(jce, nat)) {
        return "JCE: the native library's output differs from JCE's";
      }
      byte[] back = new byte[msg.length];
      if (k.open(nonce, 0, aad, null, nat, 0, nat.length, back, 0) != 0
          || !Arrays.equals(back, msg)) {
        return "JCE: the native library cannot open JCE's output";
      }
      nat[nat.length - 1] ^= 1;
      if (k.open(nonce, 0, aad, null, nat, 0, nat.length, back, 0) != 1) {
        return "JCE: the native library accepted a forged tag";
      }
      return null;
    } catch (java.security.GeneralSecurityException e) {
      return "JCE: AES/GCM/NoPadding unavailable for the self-test";
    } finally {
      k.close();
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * One native key. Thread-safe: libsodium's precomputed state is read-only after creation. Freed
   * and zeroed by {@link #close()} or, at the latest, when it becomes unreachable.
   */
  static final class Key implements AutoCloseable {
    private final long handle;
    private final Cleaner.Cleanable cleanable;

    private Key(long handle) {
      this.handle = handle;
      this.cleanable = KeyCleaner.CLEANER.register(this, new Free(handle));
    }

    /** A native copy of {@code key} (32 bytes); the caller keeps and may zero its array. */
    static Key create(byte[] key) {
      long h = newKey(key);
      if (h == 0) {
        throw new OutOfMemoryError("native AES-GCM key");
      }
      return new Key(h);
    }

    /**
     * Seals with 12 nonce bytes at {@code nonceOff}; AAD is {@code aad1 || aad2} (either may be
     * null). Callers have checked every range. Returns 0, or -1 if native memory ran out.
     */
    int seal(
        byte[] nonce,
        int nonceOff,
        byte[] aad1,
        byte[] aad2,
        byte[] in,
        int inOff,
        int len,
        byte[] out,
        int outOff) {
      try {
        return NativeGcm.seal(
            handle,
            nonce,
            nonceOff,
            aad1,
            length(aad1),
            aad2,
            length(aad2),
            in,
            inOff,
            len,
            out,
            outOff);
      } finally {
        // The state must outlive the call even if this key is otherwise unreachable by now.
        java.lang.ref.Reference.reachabilityFence(this);
      }
    }

    /** As {@link #seal}; returns 0 if authentic (out written), 1 if not (out untouched), -1. */
    int open(
        byte[] nonce,
        int nonceOff,
        byte[] aad1,
        byte[] aad2,
        byte[] in,
        int inOff,
        int len,
        byte[] out,
        int outOff) {
      try {
        return NativeGcm.open(
            handle,
            nonce,
            nonceOff,
            aad1,
            length(aad1),
            aad2,
            length(aad2),
            in,
            inOff,
            len,
            out,
            outOff);
      } finally {
        java.lang.ref.Reference.reachabilityFence(this);
      }
    }

    private static int length(byte[] aad) {
      return aad == null ? 0 : aad.length;
    }

    @Override
    public void close() {
      cleanable.clean();
    }

    @Override
    public String toString() {
      return "NativeGcm.Key";
    }
  }

  /** Started with the first native key, so a JVM on JCE runs no cleaner thread for this class. */
  private static final class KeyCleaner {
    static final Cleaner CLEANER = Cleaner.create();
  }

  private record Free(long handle) implements Runnable {
    @Override
    public void run() {
      freeKey(handle);
    }
  }

  private static native int init();

  private static native long newKey(byte[] key);

  private static native void freeKey(long handle);

  private static native int seal(
      long handle,
      byte[] nonce,
      int nonceOff,
      byte[] aad1,
      int aad1Len,
      byte[] aad2,
      int aad2Len,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff);

  private static native int open(
      long handle,
      byte[] nonce,
      int nonceOff,
      byte[] aad1,
      int aad1Len,
      byte[] aad2,
      int aad2Len,
      byte[] in,
      int inOff,
      int len,
      byte[] out,
      int outOff);
}
