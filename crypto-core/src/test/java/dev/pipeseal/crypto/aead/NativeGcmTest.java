package dev.pipeseal.crypto.aead;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The native AES-GCM backend against JCE: the same bytes for every length, AAD split and offset,
 * each opening the other's output, forgeries refused without touching the output, and the ranges
 * native code must never see sent to JCE instead. Runs wherever the build carries the library; CI
 * builds with {@code PIPESEAL_NATIVE=required}, so there it must have loaded.
 */
class NativeGcmTest {
  /** Skips where the library was not built; fails where the build was told it must be. */
  static void assumeNativeOrRequireIt() {
    if ("required".equals(System.getenv("PIPESEAL_NATIVE"))) {
      assertThat(NativeGcm.available()).as(NativeGcm.status()).isTrue();
    }
    Assumptions.assumeTrue(NativeGcm.available(), NativeGcm.status());
  }

  private static byte[] bytes(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  @Test
  void sameBytesAsJceForEveryLengthAadSplitAndOffset() {
    assumeNativeOrRequireIt();
    SplittableRandom r = new SplittableRandom(7);
    byte[] key = bytes(r, 32);
    CallerNonceGcm nat = CallerNonceGcm.create(key, CallerNonceGcm.Backend.NATIVE);
    CallerNonceGcm jce = CallerNonceGcm.create(key, CallerNonceGcm.Backend.JCE);
    assertThat(nat.isNative()).isTrue();
    assertThat(jce.isNative()).isFalse();
    assertThat(CallerNonceGcm.backend()).startsWith("native");
    int[] lengths = {0, 1, 15, 16, 17, 31, 32, 33, 64, 255, 1023, 1024, 1025, 4096, 70_000};
    for (int len : lengths) {
      for (int aadLen : new int[] {0, 1, 12, 40, 1023, 1024, 1025, 3000}) {
        byte[] nonce = bytes(r, 20);
        int nonceOff = r.nextInt(9);
        byte[] aad = bytes(r, aadLen);
        int split = aadLen == 0 ? 0 : r.nextInt(aadLen + 1);
        byte[] aad1 = split == 0 && r.nextBoolean() ? null : Arrays.copyOf(aad, split);
        byte[] aad2 = Arrays.copyOfRange(aad, split, aadLen);
        byte[] in = bytes(r, len + 7);
        int inOff = r.nextInt(8);
        len = Math.min(len, in.length - inOff);
        byte[] a = new byte[len + 16 + 5];
        byte[] b = new byte[len + 16 + 5];
        int outOff = r.nextInt(6);
        int n1 = nat.seal(nonce, nonceOff, 12, aad1, aad2, in, inOff, len, a, outOff);
        int n2 = jce.seal(nonce, nonceOff, 12, aad1, aad2, in, inOff, len, b, outOff);
        assertThat(n1).isEqualTo(n2).isEqualTo(len + 16);
        assertThat(a).as("len %d aad %d/%d", len, split, aadLen).isEqualTo(b);
        byte[] p1 = new byte[len + 3];
        byte[] p2 = new byte[len + 3];
        assertThat(nat.open(nonce, nonceOff, 12, aad1, aad2, b, outOff, len + 16, p1, 2))
            .isEqualTo(len);
        assertThat(jce.open(nonce, nonceOff, 12, aad1, aad2, a, outOff, len + 16, p2, 2))
            .isEqualTo(len);
        assertThat(Arrays.copyOfRange(p1, 2, 2 + len))
            .isEqualTo(Arrays.copyOfRange(in, inOff, inOff + len));
        assertThat(p1).isEqualTo(p2);
      }
    }
  }

  @Test
  void aForgeryIsRefusedAndTheOutputIsNotTouched() {
    assumeNativeOrRequireIt();
    SplittableRandom r = new SplittableRandom(11);
    CallerNonceGcm nat = CallerNonceGcm.create(bytes(r, 32), CallerNonceGcm.Backend.NATIVE);
    byte[] nonce = bytes(r, 12);
    byte[] aad = bytes(r, 30);
    for (int len : new int[] {0, 32, 2000}) {
      byte[] msg = bytes(r, len);
      byte[] sealed = nat.seal(nonce, msg, aad);
      for (int pos : new int[] {0, len / 2, sealed.length - 1}) {
        if (pos >= sealed.length) {
          continue;
        }
        byte[] bad = sealed.clone();
        bad[pos] ^= 0x01;
        byte[] out = new byte[len];
        Arrays.fill(out, (byte) 0x5a);
        assertThatThrownBy(() -> nat.open(nonce, 0, 12, aad, null, bad, 0, bad.length, out, 0))
            .isInstanceOf(AuthenticationFailedException.class);
        byte[] untouched = new byte[len];
        Arrays.fill(untouched, (byte) 0x5a);
        assertThat(out).isEqualTo(untouched);
      }
      byte[] wrongAad = aad.clone();
      wrongAad[0] ^= 1;
      assertThatThrownBy(() -> nat.open(nonce, sealed, wrongAad))
          .isInstanceOf(AuthenticationFailedException.class);
      assertThatThrownBy(() -> nat.open(bytes(r, 12), sealed, aad))
          .isInstanceOf(AuthenticationFailedException.class);
    }
  }

  @Test
  void inPlaceAndOverlappingBuffersGiveJcesBytes() {
    assumeNativeOrRequireIt();
    SplittableRandom r = new SplittableRandom(13);
    byte[] key = bytes(r, 32);
    CallerNonceGcm nat = CallerNonceGcm.create(key);
    CallerNonceGcm jce = CallerNonceGcm.create(key, CallerNonceGcm.Backend.JCE);
    byte[] nonce = bytes(r, 12);
    byte[] msg = bytes(r, 100);
    byte[] expected = jce.seal(nonce, msg, null);
    // In place, same offset: libsodium's own contract.
    byte[] buf = Arrays.copyOf(msg, 116);
    nat.seal(nonce, 0, 12, null, null, buf, 0, 100, buf, 0);
    assertThat(buf).isEqualTo(expected);
    // Partly overlapping (output 3 bytes ahead of input): never given to libsodium, whose contract
    // does not cover it; JCE decides, as it does for a JCE key.
    byte[] shifted = new byte[120];
    System.arraycopy(msg, 0, shifted, 0, 100);
    byte[] shiftedJce = shifted.clone();
    Throwable onJce =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> jce.seal(nonce, 0, 12, null, null, shiftedJce, 0, 100, shiftedJce, 3));
    Throwable onNative =
        org.assertj.core.api.Assertions.catchThrowable(
            () -> nat.seal(nonce, 0, 12, null, null, shifted, 0, 100, shifted, 3));
    assertThat(onNative == null ? null : onNative.getClass())
        .isEqualTo(onJce == null ? null : onJce.getClass());
    assertThat(shifted).isEqualTo(shiftedJce);
    // Opening in place.
    byte[] open = expected.clone();
    assertThat(nat.open(nonce, 0, 12, null, null, open, 0, open.length, open, 0)).isEqualTo(100);
    assertThat(Arrays.copyOf(open, 100)).isEqualTo(msg);
  }

  @Test
  void rangesOutsideTheArraysNeverReachNativeCode() {
    assumeNativeOrRequireIt();
    CallerNonceGcm nat = CallerNonceGcm.create(new byte[32]);
    byte[] in = new byte[10];
    byte[] out = new byte[40];
    byte[] nonce = new byte[12];
    // Each would read or write outside an array; JCE (or the checks) throw, native is not called.
    assertThatThrownBy(() -> nat.seal(nonce, 1, 12, null, null, in, 0, 10, out, 0))
        .isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> nat.seal(nonce, 0, 12, null, null, in, 5, 10, out, 0))
        .isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> nat.seal(nonce, 0, 12, null, null, in, -1, 5, out, 0))
        .isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> nat.seal(nonce, 0, 12, null, null, in, 0, 10, out, 30))
        .isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> nat.open(nonce, 0, 12, null, null, out, 30, 20, in, 0))
        .isInstanceOf(RuntimeException.class);
  }

  @Test
  void theOffSwitchKeepsAJvmOnJce() throws Exception {
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                javaBin,
                "-D" + NativeGcm.PROPERTY + "=off",
                "-cp",
                System.getProperty("java.class.path"),
                BackendProbe.class.getName())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("JCE: -Dpipeseal.crypto.native=off").contains("native key: false");
    assertThat(out).contains("sealed: " + BackendProbe.expected());
  }

  /** Run in a child JVM by {@link #theOffSwitchKeepsAJvmOnJce}: what that JVM's keys use. */
  public static final class BackendProbe {
    static String expected() {
      return sealedHex(CallerNonceGcm.create(new byte[32], CallerNonceGcm.Backend.JCE));
    }

    private static String sealedHex(CallerNonceGcm gcm) {
      return java.util.HexFormat.of().formatHex(gcm.seal(new byte[12], new byte[5], null));
    }

    public static void main(String[] args) {
      CallerNonceGcm auto = CallerNonceGcm.create(new byte[32]);
      System.out.println(CallerNonceGcm.backend());
      System.out.println("native key: " + auto.isNative());
      System.out.println("sealed: " + sealedHex(auto));
    }
  }

  @Test
  void theXaesLayerMatchesJceThroughTheNativeBackend() {
    assumeNativeOrRequireIt();
    // XAES-256-GCM's accumulated vector (C2SP) is pinned elsewhere on whichever backend loads;
    // here a derived subkey must be native and agree with a JCE copy of the same subkey.
    SplittableRandom r = new SplittableRandom(17);
    XaesGcm xaes = XaesGcm.create(bytes(r, 32));
    byte[] nonce = bytes(r, 24);
    CallerNonceGcm sub = xaes.deriveSubkey(nonce, 0);
    assertThat(sub.isNative()).isTrue();
    byte[] msg = bytes(r, 45);
    byte[] aad = bytes(r, 9);
    byte[] sealed = new byte[61];
    sub.seal(nonce, 12, 12, aad, null, msg, 0, 45, sealed, 0);
    assertThat(sealed).isEqualTo(xaes.encrypt(nonce, msg, aad)); // the one-shot path stays on JCE
    assertThat(xaes.decrypt(nonce, sealed, aad)).isEqualTo(msg);
  }
}
