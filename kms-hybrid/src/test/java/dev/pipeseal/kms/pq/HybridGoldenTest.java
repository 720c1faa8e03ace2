package dev.pipeseal.kms.pq;

import static dev.pipeseal.kms.pq.Vectors.HEX;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden vectors pinning hybrid wrapped keys v1 byte for byte (docs/format.md). Inputs are fixed:
 * recipient seeds and the wrap randomness come from {@link Vectors#deterministic} labels, the DEK
 * is in the file. These files must never change: every wrapped key ever written stays readable. (To
 * add a vector, run with {@code -Dpipeseal.golden.print=true} and append the printed line.)
 */
class HybridGoldenTest {
  private static final String RESOURCE = "/pq/hybrid-wrapped-v1.txt";

  /** Line: set name, set version, DEK, wrapped bytes. */
  static String line(String set, String version, byte[] dek) throws Exception {
    return String.join(
        " ",
        HEX.formatHex(set.getBytes()),
        HEX.formatHex(version.getBytes()),
        HEX.formatHex(dek),
        HEX.formatHex(wrap(set, version, dek)));
  }

  private static byte[] wrap(String set, String version, byte[] dek) throws Exception {
    List<RecipientPublicKey> keys = new ArrayList<>();
    String[] names = set.split("\\+");
    String[] versions = version.split("\\+");
    for (int i = 0; i < names.length; i++) {
      int v = Integer.parseInt(versions[i]);
      keys.add(new RecipientPublicKey(names[i], v, key(names[i], v).publicKey()));
    }
    return HybridWrapper.wrap(
        dek,
        keys,
        HybridWrapper.labels(HybridKms.PROVIDER_ID, set, version),
        Vectors.deterministic("golden-wrap/" + set + "/" + version));
  }

  private static XWing.PrivateKeyPair key(String name, int version) throws Exception {
    byte[] seed = new byte[32];
    Vectors.deterministic("golden-seed/" + name + "/" + version).nextBytes(seed);
    return XWing.fromSeed(seed);
  }

  @Test
  void goldenVectorsWrapAndUnwrapExactly() throws Exception {
    if (Boolean.getBoolean("pipeseal.golden.print")) {
      System.out.println(line("data-team", "1", HEX.parseHex("00".repeat(32))));
      System.out.println(
          line("data-team+break-glass", "3+1", HEX.parseHex("0123456789abcdef".repeat(4))));
    }
    List<byte[][]> vectors = Vectors.load(RESOURCE);
    assertThat(vectors).hasSize(2);
    for (byte[][] v : vectors) {
      String set = new String(v[0]);
      String version = new String(v[1]);
      assertThat(HEX.formatHex(wrap(set, version, v[2]))).isEqualTo(HEX.formatHex(v[3]));
      HybridFormat.Parsed parsed = HybridFormat.parse(v[3]);
      byte[] labels = HybridWrapper.labels(HybridKms.PROVIDER_ID, set, version);
      for (HybridFormat.Stanza s : parsed.stanzas()) {
        byte[] dek = HybridWrapper.unwrap(parsed, s, key(s.recipient(), s.version()), labels);
        assertThat(dek).isEqualTo(v[2]);
      }
    }
  }
}
