package dev.pipeseal.bench.batch;

import java.util.Arrays;
import java.util.Objects;

/**
 * Many values in one contiguous array, Arrow style: value {@code i} is {@code data[offsets[i],
 * offsets[i+1])}, so {@code offsets} has one more entry than there are values. A view: the arrays
 * are held, not copied, and {@code equals} compares them by identity as records do. No nulls
 * (callers keep validity separately, as Arrow does).
 */
public record ColumnBatch(byte[] data, int[] offsets) {
  public ColumnBatch {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(offsets, "offsets");
    if (offsets.length == 0) {
      throw new IllegalArgumentException("offsets needs count + 1 entries, got none");
    }
    if (offsets[0] < 0 || offsets[offsets.length - 1] > data.length) {
      throw new IllegalArgumentException("offsets outside data");
    }
    for (int i = 1; i < offsets.length; i++) {
      if (offsets[i] < offsets[i - 1]) {
        throw new IllegalArgumentException("offsets decrease at index " + i);
      }
    }
  }

  /** Packs {@code values} into one array. */
  public static ColumnBatch of(byte[]... values) {
    int[] offsets = new int[values.length + 1];
    long total = 0;
    for (int i = 0; i < values.length; i++) {
      total += values[i].length;
      offsets[i + 1] = Math.toIntExact(total);
    }
    byte[] data = new byte[(int) total];
    for (int i = 0; i < values.length; i++) {
      System.arraycopy(values[i], 0, data, offsets[i], values[i].length);
    }
    return new ColumnBatch(data, offsets);
  }

  public int count() {
    return offsets.length - 1;
  }

  public int offset(int i) {
    return offsets[i];
  }

  public int length(int i) {
    return offsets[i + 1] - offsets[i];
  }

  /** A copy of value {@code i}. */
  public byte[] value(int i) {
    return Arrays.copyOfRange(data, offsets[i], offsets[i + 1]);
  }

  /** Copies every value out. */
  public byte[][] toArrays() {
    byte[][] out = new byte[count()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = value(i);
    }
    return out;
  }

  /** Never shows the bytes, which may be plaintext. */
  @Override
  public String toString() {
    return "ColumnBatch[" + count() + " values, " + (offsets[count()] - offsets[0]) + " bytes]";
  }
}
