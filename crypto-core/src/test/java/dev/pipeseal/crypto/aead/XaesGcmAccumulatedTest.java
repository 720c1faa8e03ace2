package dev.pipeseal.crypto.aead;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.bouncycastle.crypto.digests.SHAKEDigest;
import org.junit.jupiter.api.Test;

/** The C2SP XAES-256-GCM "accumulated randomized" test, 10,000 iterations. */
class XaesGcmAccumulatedTest {
  @Test
  void tenThousandIterations() {
    SHAKEDigest source = new SHAKEDigest(128);
    SHAKEDigest sink = new SHAKEDigest(128);
    for (int i = 0; i < 10_000; i++) {
      byte[] key = read(source, 32);
      byte[] nonce = read(source, 24);
      byte[] plaintext = read(source, read(source, 1)[0] & 0xff);
      byte[] aad = read(source, read(source, 1)[0] & 0xff);
      XaesGcm xaes = XaesGcm.create(key);
      byte[] ciphertext = xaes.encrypt(nonce, plaintext, aad);
      sink.update(ciphertext, 0, ciphertext.length);
      assertThat(xaes.decrypt(nonce, ciphertext, aad)).isEqualTo(plaintext);
    }
    byte[] out = new byte[32];
    sink.doFinal(out, 0, 32);
    assertThat(HexFormat.of().formatHex(out))
        .isEqualTo("e6b9edf2df6cec60c8cbd864e2211b597fb69a529160cd040d56c0c210081939");
  }

  private static byte[] read(SHAKEDigest shake, int n) {
    byte[] b = new byte[n];
    if (n > 0) {
      shake.doOutput(b, 0, n);
    }
    return b;
  }
}
