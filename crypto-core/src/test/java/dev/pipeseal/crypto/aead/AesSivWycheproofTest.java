package dev.pipeseal.crypto.aead;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.PipesealCryptoException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every case of Wycheproof's AES-SIV files against {@link AesSiv}, for all key sizes they contain
 * (256, 384 and 512 bits; the envelope uses 512).
 */
class AesSivWycheproofTest {
  /** Deterministic AEAD: one associated-data component; ct is SIV || ciphertext. */
  @Test
  void deterministicAeadFile() {
    List<Wycheproof.Case> cases = Wycheproof.cases("aes_siv_cmac_test.json");
    int valid = 0;
    int invalid = 0;
    List<String> failures = new ArrayList<>();
    for (Wycheproof.Case c : cases) {
      AesSiv siv = AesSiv.create(c.key());
      if (c.valid()) {
        valid++;
        if (!Arrays.equals(siv.encryptDeterministically(c.msg(), c.aad()), c.ct())) {
          failures.add("encrypt " + c.tcId());
        }
        if (!Arrays.equals(siv.decryptDeterministically(c.ct(), c.aad()), c.msg())) {
          failures.add("decrypt " + c.tcId());
        }
      } else {
        invalid++;
        if (!rejects(() -> siv.decryptDeterministically(c.ct(), c.aad()))) {
          failures.add("accepted invalid " + c.tcId());
        }
      }
    }
    assertThat(failures).isEmpty();
    assertThat(cases).hasSize(442);
    assertThat(valid).isEqualTo(118);
    assertThat(invalid).isEqualTo(324);
  }

  /**
   * AES-SIV used as a nonce-based AEAD: the S2V vector is [aad, nonce, plaintext] and the SIV is
   * the tag, so our output is tag || ct. Exercises the multi-component form.
   */
  @Test
  void nonceBasedAeadFile() {
    List<Wycheproof.Case> cases = Wycheproof.cases("aead_aes_siv_cmac_test.json");
    int valid = 0;
    int invalid = 0;
    List<String> failures = new ArrayList<>();
    for (Wycheproof.Case c : cases) {
      AesSiv siv = AesSiv.create(c.key());
      byte[][] ad = {c.aad(), c.iv()};
      byte[] expected = Wycheproof.concat(c.tag(), c.ct());
      if (c.valid()) {
        valid++;
        if (!Arrays.equals(siv.encryptDeterministically(c.msg(), ad), expected)) {
          failures.add("encrypt " + c.tcId());
        }
        if (!Arrays.equals(siv.decryptDeterministically(expected, ad), c.msg())) {
          failures.add("decrypt " + c.tcId());
        }
      } else {
        invalid++;
        if (!rejects(() -> siv.decryptDeterministically(expected, ad))) {
          failures.add("accepted invalid " + c.tcId());
        }
      }
    }
    assertThat(failures).isEmpty();
    assertThat(cases).hasSize(900);
    assertThat(valid).isEqualTo(252);
    assertThat(invalid).isEqualTo(648);
  }

  @Test
  void rejectsUnsupportedKeySizes() {
    for (int size : new int[] {0, 16, 24, 31, 33, 63, 65}) {
      assertThat(rejects(() -> AesSiv.create(new byte[size]))).as("%d bytes", size).isTrue();
    }
  }

  @Test
  void rfc5297NonceBasedVector() {
    // RFC 5297 A.2: three header components (AD1, AD2, nonce), 256-bit key (AES-128).
    java.util.HexFormat hex = java.util.HexFormat.of();
    AesSiv siv =
        AesSiv.create(
            hex.parseHex("7f7e7d7c7b7a79787776757473727170404142434445464748494a4b4c4d4e4f"));
    byte[][] ad = {
      hex.parseHex(
          "00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100"),
      hex.parseHex("102030405060708090a0"),
      hex.parseHex("09f911029d74e35bd84156c5635688c0")
    };
    byte[] pt =
        hex.parseHex(
            "7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553");
    assertThat(hex.formatHex(siv.encryptDeterministically(pt, ad)))
        .isEqualTo(
            "7bdb6e3b432667eb06f4d14bff2fbd0fcb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d");
  }

  static boolean rejects(Runnable r) {
    try {
      r.run();
      return false;
    } catch (PipesealCryptoException expected) {
      return true;
    }
  }
}
