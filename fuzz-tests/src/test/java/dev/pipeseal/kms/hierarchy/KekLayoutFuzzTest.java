package dev.pipeseal.kms.hierarchy;

import static dev.pipeseal.fuzz.Property.parsesOrThrows;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pipeseal.fuzz.Property;
import dev.pipeseal.fuzz.Seeds;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The KEK layout: the bytes of a KEK-wrapped DEK (version, embedded KEK record, DEK ciphertext),
 * read back whenever a DEK is unwrapped. The outer labels are fixed so that mutations of a seed
 * reach the cross-check against the embedded record.
 */
class KekLayoutFuzzTest {
  private static final String PROVIDER = "local";
  private static final String NAME = "pii";
  private static final String VERSION = "3";

  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void read(byte[] data) {
    WrappedKey outer = new WrappedKey(PROVIDER, NAME, VERSION, "KEK/AES256-GCM", data);
    parsesOrThrows(
        () -> {
          KekLayout.Parts p = KekLayout.read(outer);
          assertThat(p.kek().masterKeyName()).isEqualTo(NAME);
          assertThat(p.dekCiphertext()).hasSize(KekLayout.DEK_CIPHERTEXT_BYTES);
          byte[] again = KekLayout.write(WrappedKeyCodec.toBinary(p.kek()), p.dekCiphertext());
          assertThat(again).isEqualTo(data);
        },
        InvalidWrappedKeyException.class);
  }

  @Test
  @EnabledIfSystemProperty(named = Seeds.PROPERTY, matches = ".+")
  void writeSeeds() {
    byte[] kek =
        WrappedKeyCodec.toBinary(
            new WrappedKey(PROVIDER, NAME, VERSION, "AES256-GCM", new byte[60]));
    byte[] dek = new byte[KekLayout.DEK_CIPHERTEXT_BYTES];
    Arrays.fill(dek, (byte) 0x5a);
    byte[] good = KekLayout.write(kek, dek);
    byte[] otherLabels =
        KekLayout.write(
            WrappedKeyCodec.toBinary(new WrappedKey("hadoop", NAME, "4", "X", new byte[1])), dek);
    Seeds.of(KekLayoutFuzzTest.class, "read")
        .add("layout", good)
        .add("other-labels", otherLabels)
        .add("truncated", Arrays.copyOf(good, good.length - 1))
        .add("kek-length-ffff", Seeds.concat(new byte[] {1, (byte) 0xff, (byte) 0xff}, dek))
        .add("version-2", Seeds.concat(new byte[] {2}, Arrays.copyOfRange(good, 1, good.length)));
  }
}
