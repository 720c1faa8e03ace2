package dev.pipeseal.crypto.aead;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class Gcm256ThreadCipherTest {
  private static final byte[] NONCE = new byte[12];

  private static byte[] randomKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return k;
  }

  @Test
  void aThreadCipherSealsAndOpensLikeThePlainCalls() {
    Gcm256 gcm = Gcm256.create(randomKey());
    Gcm256.ThreadCipher tc = Gcm256.threadCipher();
    byte[] pt = "value".getBytes();
    byte[] aad = "aad".getBytes();
    byte[] sealed = new byte[pt.length + 16];
    gcm.seal(tc, NONCE, 0, 12, aad, null, pt, 0, pt.length, sealed, 0);
    assertThat(gcm.open(NONCE, sealed, aad)).isEqualTo(pt);
    byte[] out = new byte[pt.length];
    assertThat(gcm.open(tc, NONCE, 0, 12, aad, null, sealed, 0, sealed.length, out, 0))
        .isEqualTo(pt.length);
    assertThat(out).isEqualTo(pt);
    sealed[0] ^= 1;
    assertThatThrownBy(
            () -> gcm.open(tc, NONCE, 0, 12, aad, null, sealed, 0, sealed.length, out, 0))
        .isInstanceOf(AuthenticationFailedException.class);
  }

  @Test
  void aThreadCipherUsedOnAnotherThreadFallsBackToThatThreadsCipher() throws Exception {
    Gcm256 gcm = Gcm256.create(randomKey());
    Gcm256.ThreadCipher other = CompletableFuture.supplyAsync(Gcm256::threadCipher).get();
    Gcm256.ThreadCipher mine = Gcm256.threadCipher();
    // Made on another thread, so used here it must hand out this thread's cipher.
    assertThat(other.get()).isSameAs(mine.get());
    byte[] pt = "value".getBytes();
    byte[] sealed = new byte[pt.length + 16];
    gcm.seal(other, NONCE, 0, 12, null, null, pt, 0, pt.length, sealed, 0);
    assertThat(gcm.open(NONCE, sealed, null)).isEqualTo(pt);
  }
}
