package dev.pipeseal.crypto.aead;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.PipesealCryptoException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every case of Wycheproof's aes_gcm_test.json against {@link CallerNonceGcm}, the GCM layer under
 * XAES-256-GCM in the envelope. It supports exactly 256-bit keys, 96-bit nonces and 128-bit tags;
 * cases with other parameters must be rejected by it, and the counts pin how many that is. Run on
 * both backends: JCE, and the native one ({@link NativeGcm}) wherever this build carries it.
 */
class CallerNonceGcmWycheproofTest {
  @Test
  void everyCaseOnJce() {
    everyCase(k -> CallerNonceGcm.create(k, CallerNonceGcm.Backend.JCE), false);
  }

  @Test
  void everyCaseOnTheNativeBackend() {
    NativeGcmTest.assumeNativeOrRequireIt();
    everyCase(k -> CallerNonceGcm.create(k, CallerNonceGcm.Backend.NATIVE), true);
  }

  private static void everyCase(
      java.util.function.Function<byte[], CallerNonceGcm> keys, boolean expectNative) {
    List<Wycheproof.Case> cases = Wycheproof.cases("aes_gcm_test.json");
    int valid = 0;
    int invalid = 0;
    int unsupported = 0;
    List<String> failures = new ArrayList<>();
    for (Wycheproof.Case c : cases) {
      byte[] ctAndTag = Wycheproof.concat(c.ct(), c.tag());
      boolean supported = c.keySize() == 256 && c.ivSize() == 96 && c.tagSize() == 128;
      if (!supported) {
        assertThatThrownBy(() -> keys.apply(c.key()).open(c.iv(), ctAndTag, c.aad()))
            .as("tcId %d", c.tcId())
            .isInstanceOf(UnsupportedParametersException.class);
        if (c.keySize() == 256) {
          assertThatThrownBy(() -> keys.apply(c.key()).seal(c.iv(), c.msg(), c.aad()))
              .as("tcId %d", c.tcId())
              .isInstanceOf(UnsupportedParametersException.class);
        }
        unsupported++;
        continue;
      }
      CallerNonceGcm gcm = keys.apply(c.key());
      assertThat(gcm.isNative()).isEqualTo(expectNative);
      if (c.valid()) {
        valid++;
        if (!java.util.Arrays.equals(gcm.seal(c.iv(), c.msg(), c.aad()), ctAndTag)) {
          failures.add("seal " + c.tcId());
        }
        if (!java.util.Arrays.equals(gcm.open(c.iv(), ctAndTag, c.aad()), c.msg())) {
          failures.add("open " + c.tcId());
        }
      } else {
        invalid++;
        try {
          gcm.open(c.iv(), ctAndTag, c.aad());
          failures.add("accepted invalid " + c.tcId());
        } catch (PipesealCryptoException expected) {
          // rejected as required
        }
      }
    }
    assertThat(failures).isEmpty();
    assertThat(cases).hasSize(316);
    assertThat(valid).isEqualTo(39);
    assertThat(invalid).isEqualTo(27);
    assertThat(unsupported).isEqualTo(250);
    assertThat(cases.stream().filter(c -> c.result().equals("acceptable"))).isEmpty();
  }
}
