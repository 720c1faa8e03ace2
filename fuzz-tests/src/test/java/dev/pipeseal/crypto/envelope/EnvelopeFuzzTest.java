package dev.pipeseal.crypto.envelope;

import static dev.pipeseal.fuzz.Property.parsesOrThrows;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.fuzz.Property;
import dev.pipeseal.fuzz.Seeds;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Envelope v1, every variant (XAES-256-GCM, AES-SIV, segmented; inline and registry key
 * references): header parsing, the plaintext length computed from it, and full decryption under one
 * fixed key (so inputs mutated from a seed reach the authentication step).
 */
class EnvelopeFuzzTest {
  private static final EnvelopeContext CONTEXT = EnvelopeContext.of("db.table.column");
  private static final EnvelopeDecryptor DECRYPTOR = EnvelopeDecryptor.create(key());

  private static DataKey key() {
    byte[] k = new byte[32];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) i;
    }
    return DataKey.copyOf(k);
  }

  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void header(byte[] data) {
    parsesOrThrows(
        () -> {
          EnvelopeHeader h = Envelope.parseHeader(data);
          int n = Envelope.plaintextLength(data, 0, data.length);
          // A parsed header must describe bytes that are really there.
          assertThat(h.length()).isBetween(4, data.length);
          assertThat(n).isBetween(0, data.length - h.length());
        },
        PipesealCryptoException.class);
  }

  @FuzzTest(maxDuration = Property.FUZZ_DURATION)
  void decrypt(byte[] data) {
    parsesOrThrows(
        () -> {
          byte[] plain = DECRYPTOR.decrypt(data, CONTEXT);
          assertThat(plain.length).isLessThan(data.length);
          int n = DECRYPTOR.plaintextLength(data, 0, data.length, CONTEXT);
          assertThat(n).isEqualTo(plain.length);
        },
        PipesealCryptoException.class);
  }

  @Test
  @EnabledIfSystemProperty(named = Seeds.PROPERTY, matches = ".+")
  void writeSeeds() {
    byte[] small = "pipeseal golden v1".getBytes(StandardCharsets.US_ASCII);
    byte[] large = new byte[9000];
    for (int i = 0; i < large.length; i++) {
      large[i] = (byte) (i * 7 % 251);
    }
    byte[] wrapped = new byte[40];
    Arrays.fill(wrapped, (byte) 0xa0);
    KeyReference[] refs = {
      KeyReference.inlineWrappedKey(wrapped),
      KeyReference.registryKeyId(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})
    };
    EncryptorOptions segmented = new EncryptorOptions(0, 4096, 1L << 32);
    for (String method : new String[] {"header", "decrypt"}) {
      Seeds s = Seeds.of(EnvelopeFuzzTest.class, method);
      for (KeyReference ref : refs) {
        String r = ref.kind().name().toLowerCase(java.util.Locale.ROOT);
        for (Algorithm alg : Algorithm.values()) {
          try (DataKey k = key();
              EnvelopeEncryptor enc = EnvelopeEncryptor.create(k, alg, ref, segmented)) {
            String a = alg.name().toLowerCase(java.util.Locale.ROOT);
            byte[] env = enc.encrypt(small, CONTEXT);
            s.add(a + "-" + r, env);
            s.add(a + "-" + r + "-truncated", Arrays.copyOf(env, env.length - 1));
            if (alg == Algorithm.XAES_256_GCM_SEGMENTED) {
              s.add(a + "-" + r + "-3-segments", enc.encrypt(large, CONTEXT));
            }
          }
        }
      }
      // Hostile headers: over-long and non-minimal varints, lengths near 2^31, unknown ids.
      s.add("varint-4-bytes", new byte[] {1, 1, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f});
      s.add("varint-not-minimal", new byte[] {1, 1, 1, (byte) 0x81, 0x00, 9});
      s.add("ref-65535-missing", new byte[] {1, 1, 2, (byte) 0xff, (byte) 0xff, 0x03});
      s.add("ref-length-2pow31", Seeds.concat(new byte[] {1, 3, 1}, Seeds.be(0x80808080L, 4)));
      s.add("unknown-version", new byte[] {3, 1, 1, 1, 0});
      s.add("v2-truncated-body", new byte[] {2, 1, 1, 1, 0});
      s.add("unknown-algorithm", new byte[] {1, 9, 1, 1, 0});
      s.add("unknown-kind", new byte[] {1, 1, 9, 1, 0});
      byte[] badShift = new byte[4 + 8 + 19 + 16];
      badShift[0] = 1;
      badShift[1] = 3;
      badShift[2] = 2;
      badShift[3] = 8;
      badShift[12 + 12] = 31;
      s.add("segment-shift-31", badShift);
    }
  }
}
