package dev.pipeseal.kms.hadoop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.InvalidWrappedKeyException;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class EekCodecTest {
  private static final byte[] IV = filled(16, 0xA0);
  private static final byte[] EK = filled(32, 0x5C);

  @Test
  void layoutIsPinned() {
    String hex = HexFormat.of().formatHex(EekCodec.encode(IV, EK));
    assertThat(hex).isEqualTo("0110" + "a0".repeat(16) + "0020" + "5c".repeat(32));
  }

  @Test
  void roundTrips() {
    EekCodec.Eek eek = EekCodec.decode(EekCodec.encode(IV, EK), "k");
    assertThat(eek.iv()).isEqualTo(IV);
    assertThat(eek.material()).isEqualTo(EK);
  }

  @Test
  void rejectsMalformedBytesNamingTheKey() {
    byte[] good = EekCodec.encode(IV, EK);
    byte[] badVersion = good.clone();
    badVersion[0] = 2;
    byte[] badIvLength = good.clone();
    badIvLength[1] = 12;
    byte[] badKeyLength = good.clone();
    badKeyLength[2 + 16 + 1] = 16;
    byte[] trailing = Arrays.copyOf(good, good.length + 1);
    for (byte[] bad :
        new byte[][] {
          new byte[0],
          new byte[] {1},
          Arrays.copyOf(good, 10),
          Arrays.copyOf(good, good.length - 1),
          badVersion,
          badIvLength,
          badKeyLength,
          trailing
        }) {
      assertThatThrownBy(() -> EekCodec.decode(bad, "orders"))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("hadoop-kms")
          .hasMessageContaining("orders");
    }
  }

  private static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }
}
