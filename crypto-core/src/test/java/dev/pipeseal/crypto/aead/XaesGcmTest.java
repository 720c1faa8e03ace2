package dev.pipeseal.crypto.aead;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The test vectors of the C2SP XAES-256-GCM specification. */
class XaesGcmTest {
  private static final byte[] NONCE =
      "ABCDEFGHIJKLMNOPQRSTUVWX".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PLAINTEXT = "XAES-256-GCM".getBytes(StandardCharsets.US_ASCII);

  @Test
  void specVectorWithoutAad() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 0x01);
    XaesGcm xaes = XaesGcm.create(key);
    byte[] ct = xaes.encrypt(NONCE, PLAINTEXT, new byte[0]);
    assertThat(HexFormat.of().formatHex(ct))
        .isEqualTo("ce546ef63c9cc60765923609b33a9a1974e96e52daf2fcf7075e2271");
    assertThat(xaes.decrypt(NONCE, ct, new byte[0])).isEqualTo(PLAINTEXT);
  }

  @Test
  void specVectorWithAad() {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) 0x03);
    byte[] aad = "c2sp.org/XAES-256-GCM".getBytes(StandardCharsets.US_ASCII);
    XaesGcm xaes = XaesGcm.create(key);
    byte[] ct = xaes.encrypt(NONCE, PLAINTEXT, aad);
    assertThat(HexFormat.of().formatHex(ct))
        .isEqualTo("986ec1832593df5443a179437fd083bf3fdb41abd740a21f71eb769d");
    assertThat(xaes.decrypt(NONCE, ct, aad)).isEqualTo(PLAINTEXT);
  }

  @Test
  void derivedSubkeyMatchesOneShot() throws Exception {
    XaesGcm xaes = XaesGcm.create(new byte[32]);
    byte[] ct = xaes.encrypt(NONCE, PLAINTEXT, null);
    byte[] out = new byte[ct.length];
    // The JDK refuses a second encryption under one key and nonce on a thread's cipher (a guard
    // we want), so the derived subkey seals on a thread of its own.
    Thread sealer =
        new Thread(
            () ->
                xaes.deriveSubkey(NONCE, 0)
                    .seal(NONCE, 12, 12, null, null, PLAINTEXT, 0, 12, out, 0));
    sealer.start();
    sealer.join();
    assertThat(out).isEqualTo(ct);
  }

  @Test
  void rejectsTamperingAndWrongSizes() {
    // A key of its own: the JDK refuses to encrypt twice with one key and nonce on a cipher.
    byte[] key = new byte[32];
    key[0] = 7;
    XaesGcm xaes = XaesGcm.create(key);
    byte[] ct = xaes.encrypt(NONCE, PLAINTEXT, null);
    ct[3] ^= 1;
    assertThatThrownBy(() -> xaes.decrypt(NONCE, ct, null))
        .isInstanceOf(AuthenticationFailedException.class);
    assertThatThrownBy(() -> xaes.encrypt(new byte[12], PLAINTEXT, null))
        .isInstanceOf(UnsupportedParametersException.class);
    assertThatThrownBy(() -> XaesGcm.create(new byte[16]))
        .isInstanceOf(UnsupportedParametersException.class);
  }
}
