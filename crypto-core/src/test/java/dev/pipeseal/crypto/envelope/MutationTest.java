package dev.pipeseal.crypto.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.key.DataKey;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Seeded mutations of real envelopes: every bit flip, every truncation, appended bytes, swapped key
 * references and changed contexts must be rejected with a {@link PipesealCryptoException} subtype,
 * and the caller's output buffer must hold nothing afterwards.
 */
class MutationTest {
  private static final EnvelopeContext CTX = EnvelopeContext.of("db.table.column");
  private static final byte[] MARKER = "PLAINTEXT-MARKER".getBytes();

  enum Shape {
    XAES_REGISTRY(Algorithm.XAES_256_GCM, false, 45),
    XAES_INLINE(Algorithm.XAES_256_GCM, true, 0),
    SIV_REGISTRY(Algorithm.AES_SIV, false, 45),
    SIV_INLINE(Algorithm.AES_SIV, true, 3),
    SEGMENTED_ONE(Algorithm.XAES_256_GCM_SEGMENTED, false, 45),
    SEGMENTED_TWO(Algorithm.XAES_256_GCM_SEGMENTED, true, Envelope.DEFAULT_SEGMENT_BYTES + 40);

    final Algorithm algorithm;
    final boolean inline;
    final int size;

    Shape(Algorithm algorithm, boolean inline, int size) {
      this.algorithm = algorithm;
      this.inline = inline;
      this.size = size;
    }
  }

  @ParameterizedTest
  @EnumSource(Shape.class)
  void everyMutationIsRejected(Shape shape) {
    Random rnd = new Random(0x5eed + shape.ordinal());
    byte[] refBytes = new byte[shape.inline ? 60 : 8];
    rnd.nextBytes(refBytes);
    KeyReference ref =
        shape.inline
            ? KeyReference.inlineWrappedKey(refBytes)
            : KeyReference.registryKeyId(refBytes);
    byte[] pt = new byte[shape.size];
    rnd.nextBytes(pt);
    if (pt.length >= MARKER.length) {
      System.arraycopy(MARKER, 0, pt, 0, MARKER.length);
    }
    try (DataKey key = DataKey.generate();
        DataKey otherKey = DataKey.generate();
        EnvelopeEncryptor enc = EnvelopeEncryptor.create(key, shape.algorithm, ref);
        EnvelopeDecryptor dec = EnvelopeDecryptor.create(key);
        EnvelopeDecryptor otherDec = EnvelopeDecryptor.create(otherKey)) {
      byte[] env = enc.encrypt(pt, CTX);
      assertThat(dec.decrypt(env, CTX)).isEqualTo(pt);
      int rejected = 0;

      // Bit flips: every bit of small envelopes; for multi-segment ones a random bit of every byte
      // of the header, nonces, segment boundaries and tail, plus random positions.
      boolean large = env.length > 2048;
      for (int pos : positions(env.length, rnd)) {
        for (int bit = large ? rnd.nextInt(8) : 0; bit < 8; bit += large ? 8 : 1) {
          byte[] m = env.clone();
          m[pos] ^= (byte) (1 << bit);
          rejected += expectRejected(dec, m, CTX, "bit " + bit + " of byte " + pos);
        }
      }
      // Truncation at every length (sampled the same way for multi-segment values).
      for (int len : positions(env.length, rnd)) {
        rejected += expectRejected(dec, Arrays.copyOf(env, len), CTX, "truncated to " + len);
      }
      // Appended bytes.
      for (int extra : new int[] {1, 2, 15, 16, 17, 40}) {
        byte[] m = Arrays.copyOf(env, env.length + extra);
        for (int i = env.length; i < m.length; i++) {
          m[i] = (byte) rnd.nextInt();
        }
        rejected += expectRejected(dec, m, CTX, "appended " + extra);
      }
      // Swapped key references of both kinds, same and different lengths.
      int header = Envelope.headerLength(ref);
      byte[] body = Arrays.copyOfRange(env, header, env.length);
      for (KeyReference other :
          List.of(
              KeyReference.registryKeyId(refBytes),
              KeyReference.inlineWrappedKey(refBytes),
              KeyReference.of(ref.kind(), Arrays.copyOf(refBytes, refBytes.length + 1)),
              KeyReference.of(ref.kind(), flipFirst(refBytes)))) {
        if (other.equals(ref)) {
          continue;
        }
        byte[] m = concat(Envelope.header(enc.algorithmFor(pt.length), other), body);
        rejected += expectRejected(dec, m, CTX, "key reference " + other);
      }
      // Other contexts and another key.
      for (EnvelopeContext other :
          List.of(
              EnvelopeContext.of("db.table.column2"),
              EnvelopeContext.of("db.table.colum"),
              EnvelopeContext.of(new byte[0], "empty"))) {
        rejected += expectRejected(dec, env, other, "context " + other);
      }
      rejected += expectRejected(otherDec, env, CTX, "another data key");
      assertThat(rejected).isGreaterThan(400);
    }
  }

  /** All positions for small envelopes; a dense sample for large ones. */
  private static TreeSet<Integer> positions(int length, Random rnd) {
    TreeSet<Integer> out = new TreeSet<>();
    if (length <= 2048) {
      for (int i = 0; i < length; i++) {
        out.add(i);
      }
      return out;
    }
    for (int i = 0; i < 200; i++) {
      out.add(i);
      out.add(length - 1 - i);
    }
    for (int boundary = 0; boundary < length; boundary += Envelope.DEFAULT_SEGMENT_BYTES) {
      for (int d = -40; d <= 40; d++) {
        int p = boundary + d;
        if (p >= 0 && p < length) {
          out.add(p);
        }
      }
    }
    for (int i = 0; i < 300; i++) {
      out.add(rnd.nextInt(length));
    }
    return out;
  }

  private static int expectRejected(
      EnvelopeDecryptor dec, byte[] m, EnvelopeContext ctx, String what) {
    byte[] out = new byte[m.length + 64];
    try {
      dec.decrypt(m, 0, m.length, ctx, out, 0);
      fail("accepted mutation: " + what);
    } catch (PipesealCryptoException expected) {
      assertThat(expected.getMessage()).as(what).doesNotContain("PLAINTEXT-MARKER");
    }
    for (byte b : out) {
      if (b != 0) {
        fail("output buffer not cleared after " + what);
      }
    }
    return 1;
  }

  private static byte[] flipFirst(byte[] b) {
    byte[] c = b.clone();
    c[0] ^= 1;
    return c;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
