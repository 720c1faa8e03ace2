package dev.pipeseal.kms.wrapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.WrappedKey;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class WrappedKeyCodecTest {
  private static final WrappedKey KEY =
      new WrappedKey("local", "pii", "v2", "AES256-GCM", new byte[] {1, 2, 3, (byte) 0xFF});

  // Golden: binary record v1 must stay readable forever.
  private static final String GOLDEN_BINARY =
      "01056c6f63616c000370696900027632" + "0a41455332353" + "62d47434d0004010203ff";

  @Test
  void binaryRoundTripAndGoldenBytes() {
    byte[] bin = WrappedKeyCodec.toBinary(KEY);
    assertThat(HexFormat.of().formatHex(bin)).isEqualTo(GOLDEN_BINARY);
    assertThat(WrappedKeyCodec.fromBinary(HexFormat.of().parseHex(GOLDEN_BINARY))).isEqualTo(KEY);
  }

  @Test
  void jsonRoundTripAndGolden() {
    String json = WrappedKeyCodec.toJson(KEY);
    assertThat(json)
        .isEqualTo(
            "{\"v\":1,\"provider\":\"local\",\"masterKey\":\"pii\",\"masterKeyVersion\":\"v2\","
                + "\"algorithm\":\"AES256-GCM\",\"wrapped\":\"AQID/w==\"}");
    assertThat(WrappedKeyCodec.fromJson(json)).isEqualTo(KEY);
  }

  @Test
  void everyTruncationAndPaddingIsRejected() {
    byte[] bin = WrappedKeyCodec.toBinary(KEY);
    for (int len = 0; len < bin.length; len++) {
      int l = len;
      assertThatThrownBy(() -> WrappedKeyCodec.fromBinary(bin, 0, l))
          .isInstanceOf(InvalidWrappedKeyException.class)
          .hasMessageContaining("wrapped-key record");
    }
    byte[] padded = java.util.Arrays.copyOf(bin, bin.length + 1);
    assertThatThrownBy(() -> WrappedKeyCodec.fromBinary(padded))
        .isInstanceOf(InvalidWrappedKeyException.class)
        .hasMessageContaining("trailing");
  }

  @Test
  void unknownVersionsAreRejected() {
    byte[] bin = WrappedKeyCodec.toBinary(KEY);
    bin[0] = 2;
    assertThatThrownBy(() -> WrappedKeyCodec.fromBinary(bin))
        .isInstanceOf(InvalidWrappedKeyException.class)
        .hasMessageContaining("version 2");
    assertThatThrownBy(() -> WrappedKeyCodec.fromJson("{\"v\":9}"))
        .isInstanceOf(InvalidWrappedKeyException.class)
        .hasMessageContaining("version 9");
    assertThatThrownBy(() -> WrappedKeyCodec.fromJson("{\"v\":1,\"provider\":\"x\"}"))
        .isInstanceOf(InvalidWrappedKeyException.class)
        .hasMessageContaining("masterKey");
    assertThatThrownBy(() -> WrappedKeyCodec.fromJson("not json"))
        .isInstanceOf(InvalidWrappedKeyException.class)
        .hasMessageContaining("malformed");
  }

  @Test
  void toStringNeverShowsBytes() {
    assertThat(KEY.toString()).doesNotContain("AQID").contains("pii@v2").contains("4 bytes");
  }
}
