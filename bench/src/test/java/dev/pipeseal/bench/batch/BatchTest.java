package dev.pipeseal.bench.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.crypto.envelope.EnvelopeDecryptor;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.envelope.MalformedEnvelopeException;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.crypto.key.KeyDestroyedException;
import dev.pipeseal.crypto.key.KeyUsageLimitExceededException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BatchTest {
  private static final EnvelopeContext CTX = EnvelopeContext.of("lake.users.ssn");
  private static final KeyReference REF =
      KeyReference.registryKeyId(new byte[] {9, 8, 7, 6, 5, 4, 3, 2});

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void columnsRoundTripIncludingEmptyValues(Algorithm alg) {
    Random rnd = new Random(alg.ordinal());
    byte[][] values = new byte[500][];
    for (int i = 0; i < values.length; i++) {
      values[i] = new byte[i % 7 == 0 ? 0 : rnd.nextInt(200)];
      rnd.nextBytes(values[i]);
    }
    ColumnBatch column = ColumnBatch.of(values);
    try (DataKey key = DataKey.generate();
        BatchEncryptor enc = BatchEncryptor.create(key, alg, REF);
        BatchDecryptor dec = BatchDecryptor.create(key);
        EnvelopeDecryptor single = EnvelopeDecryptor.create(key)) {
      ColumnBatch encrypted = enc.encrypt(column, CTX);
      assertThat(encrypted.count()).isEqualTo(values.length);
      assertThat(key.encryptionCount()).isEqualTo(values.length);
      assertThat(dec.decrypt(encrypted, CTX).toArrays()).isDeepEqualTo(values);
      // Batch output is ordinary envelopes.
      assertThat(single.decrypt(encrypted.value(42), CTX)).isEqualTo(values[42]);

      byte[][] arrays = enc.encrypt(values, CTX);
      assertThat(dec.decrypt(arrays, CTX)).isDeepEqualTo(values);
      if (alg.isDeterministic()) {
        assertThat(arrays).isDeepEqualTo(encrypted.toArrays());
      }
    }
  }

  @Test
  void nullsPassThroughUncounted() {
    try (DataKey key = DataKey.generate();
        BatchEncryptor enc = BatchEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        BatchDecryptor dec = BatchDecryptor.create(key)) {
      byte[][] encrypted = enc.encrypt(new byte[][] {{1}, null, {}}, CTX);
      assertThat(encrypted[1]).isNull();
      assertThat(key.encryptionCount()).isEqualTo(2);
      assertThat(dec.decrypt(encrypted, CTX)).isDeepEqualTo(new byte[][] {{1}, null, {}});
      assertThat(enc.encryptFloats(new float[][] {null, {1f}}, CTX)[0]).isNull();
    }
  }

  @Test
  void embeddingVectorsRoundTripAsLittleEndianIeee() {
    Random rnd = new Random(768);
    float[][] vectors = new float[64][768];
    for (float[] v : vectors) {
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) rnd.nextGaussian();
      }
    }
    vectors[3][0] = Float.NaN;
    vectors[3][1] = Float.NEGATIVE_INFINITY;
    vectors[3][2] = -0.0f;
    try (DataKey key = DataKey.generate();
        BatchEncryptor enc = BatchEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        BatchDecryptor dec = BatchDecryptor.create(key);
        EnvelopeDecryptor single = EnvelopeDecryptor.create(key)) {
      byte[][] encrypted = enc.encryptFloats(vectors, CTX);
      assertThat(Envelope.plaintextLength(encrypted[0], 0, encrypted[0].length)).isEqualTo(3072);
      float[][] back = dec.decryptFloats(encrypted, CTX);
      for (int i = 0; i < vectors.length; i++) {
        assertThat(floatBits(back[i])).isEqualTo(floatBits(vectors[i]));
      }
      // The plaintext is little-endian IEEE 754.
      ByteBuffer pt =
          ByteBuffer.wrap(single.decrypt(encrypted[5], CTX)).order(ByteOrder.LITTLE_ENDIAN);
      assertThat(pt.getFloat(4 * 17)).isEqualTo(vectors[5][17]);

      // Straight into a caller buffer at an offset.
      float[] out = new float[1000];
      assertThat(dec.decryptFloats(encrypted[7], 0, encrypted[7].length, CTX, out, 100))
          .isEqualTo(768);
      assertThat(Arrays.copyOfRange(out, 100, 868)).isEqualTo(vectors[7]);
      assertThat(dec.decryptFloats(enc.encryptFloats(new float[0], CTX), CTX)).isEmpty();
    }
  }

  @Test
  void doubleVectorsRoundTrip() {
    double[] v = new Random(1).doubles(300).toArray();
    try (DataKey key = DataKey.generate();
        BatchEncryptor enc = BatchEncryptor.create(key, Algorithm.AES_SIV, REF);
        BatchDecryptor dec = BatchDecryptor.create(key)) {
      byte[] env = enc.encryptDoubles(v, CTX);
      assertThat(dec.decryptDoubles(env, CTX)).isEqualTo(v);
      assertThat(dec.decryptDoubles(new byte[][] {env, null}, CTX)[0]).isEqualTo(v);
      // Not a whole number of elements: a 2400-byte plaintext is fine for doubles, 7 bytes is not.
      byte[] seven = enc.encrypt(new byte[][] {new byte[7]}, CTX)[0];
      assertThatThrownBy(() -> dec.decryptDoubles(seven, CTX))
          .isInstanceOf(MalformedEnvelopeException.class)
          .hasMessageContaining("lake.users.ssn");
    }
  }

  @Test
  void blobsAcrossSegmentBoundaries() {
    int s = Envelope.DEFAULT_SEGMENT_BYTES;
    int[] sizes = {65536, 65537, 4 * s - 1, 4 * s, 4 * s + 1, 1 << 20, (1 << 20) + 4097, 3_000_001};
    try (DataKey key = DataKey.generate();
        BatchEncryptor enc = BatchEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        BatchDecryptor dec = BatchDecryptor.create(key)) {
      byte[][] blobs = new byte[sizes.length][];
      for (int i = 0; i < sizes.length; i++) {
        blobs[i] = new byte[sizes[i]];
        new Random(i).nextBytes(blobs[i]);
      }
      byte[][] encrypted = enc.encrypt(blobs, CTX);
      for (int i = 0; i < sizes.length; i++) {
        assertThat(encrypted[i][1]).isEqualTo((byte) (sizes[i] > 65536 ? 0x03 : 0x01));
      }
      assertThat(dec.decrypt(encrypted, CTX)).isDeepEqualTo(blobs);
      ColumnBatch column = enc.encrypt(ColumnBatch.of(blobs), CTX);
      assertThat(dec.decrypt(column, CTX).toArrays()).isDeepEqualTo(blobs);
    }
  }

  @Test
  void usageLimitRejectsTheWholeBatchBeforeEncrypting() {
    try (DataKey key = DataKey.generate(10);
        BatchEncryptor enc = BatchEncryptor.create(key, Algorithm.XAES_256_GCM, REF)) {
      enc.encrypt(new byte[][] {{1}, {2}, {3}}, CTX);
      assertThatThrownBy(() -> enc.encrypt(ColumnBatch.of(new byte[8][4]), CTX))
          .isInstanceOf(KeyUsageLimitExceededException.class);
      assertThatThrownBy(() -> enc.encryptFloats(new float[8][4], CTX))
          .isInstanceOf(KeyUsageLimitExceededException.class);
      assertThat(key.encryptionCount()).isEqualTo(3);
      enc.encrypt(ColumnBatch.of(new byte[7][4]), CTX);
      assertThat(key.encryptionCount()).isEqualTo(10);
    }
  }

  @Test
  void aBadValueFailsTheBatchWithItsIndex() {
    try (DataKey key = DataKey.generate();
        DataKey other = DataKey.generate();
        BatchEncryptor enc = BatchEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        BatchDecryptor dec = BatchDecryptor.create(key);
        BatchDecryptor wrong = BatchDecryptor.create(other)) {
      ColumnBatch column = enc.encrypt(ColumnBatch.of(new byte[5][10]), CTX);
      column.data()[column.offset(3) + 30] ^= 1;
      assertThatThrownBy(() -> dec.decrypt(column, CTX))
          .isInstanceOf(AuthenticationFailedException.class)
          .hasMessageContaining("value 3 of batch")
          .hasMessageContaining("lake.users.ssn");
      byte[][] arrays = enc.encrypt(new byte[][] {{1}, {2}}, CTX);
      assertThatThrownBy(() -> wrong.decrypt(arrays, CTX))
          .isInstanceOf(AuthenticationFailedException.class)
          .hasMessageContaining("value 0 of batch");
      assertThatThrownBy(() -> dec.decrypt(arrays, EnvelopeContext.of("lake.users.name")))
          .isInstanceOf(AuthenticationFailedException.class);
    }
  }

  @Test
  void closedHandlesFail() {
    DataKey key = DataKey.generate();
    BatchEncryptor enc = BatchEncryptor.create(key, Algorithm.AES_SIV, REF);
    key.close();
    enc.close();
    assertThat(key.isDestroyed()).isTrue();
    assertThatThrownBy(() -> enc.encrypt(new byte[][] {{1}}, CTX))
        .isInstanceOf(KeyDestroyedException.class);
    assertThatThrownBy(() -> BatchDecryptor.create(key)).isInstanceOf(KeyDestroyedException.class);
  }

  @Test
  void sharedBatchHandlesWorkFromSeveralThreads() throws Exception {
    try (DataKey key = DataKey.generate();
        BatchEncryptor enc = BatchEncryptor.create(key, Algorithm.XAES_256_GCM, REF);
        BatchDecryptor dec = BatchDecryptor.create(key)) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int seed = t;
          futures.add(
              pool.submit(
                  () -> {
                    Random rnd = new Random(seed);
                    for (int round = 0; round < 50; round++) {
                      float[][] vectors = new float[20][768];
                      for (float[] v : vectors) {
                        v[rnd.nextInt(768)] = rnd.nextFloat();
                      }
                      assertThat(dec.decryptFloats(enc.encryptFloats(vectors, CTX), CTX))
                          .isDeepEqualTo(vectors);
                      ColumnBatch column = ColumnBatch.of(new byte[30][rnd.nextInt(50)]);
                      assertThat(dec.decrypt(enc.encrypt(column, CTX), CTX).toArrays())
                          .isDeepEqualTo(column.toArrays());
                    }
                    return null;
                  }));
        }
        for (Future<?> f : futures) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      assertThat(key.encryptionCount()).isEqualTo(4L * 50 * (20 + 30));
    }
  }

  @Test
  void columnBatchValidatesOffsets() {
    assertThatThrownBy(() -> new ColumnBatch(new byte[4], new int[] {0, 3, 2}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ColumnBatch(new byte[4], new int[] {0, 5}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new ColumnBatch(new byte[4], new int[] {1, 3}).value(0)).hasSize(2);
    assertThat(ColumnBatch.of().count()).isZero();
    assertThat(ColumnBatch.of(new byte[] {42}).toString()).doesNotContain("42");
  }

  private static int[] floatBits(float[] v) {
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Float.floatToRawIntBits(v[i]);
    }
    return out;
  }
}
