package dev.pipeseal.kafka.serde;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The record header that marks an encrypted value ({@code pipeseal.enc=v1}) or key ({@code
 * pipeseal.enc.key=v1}). Writers add it only with {@code pipeseal.marker-header=true}: readers tell
 * envelopes from legacy plaintext by their shape, and a marked record must decrypt in every mode.
 * The envelope's own version byte says which format the bytes are in.
 */
public final class EncryptionHeaders {
  /** Header marking an encrypted value. */
  public static final String VALUE = "pipeseal.enc";

  /** Header marking an encrypted key. */
  public static final String KEY = "pipeseal.enc.key";

  /** The only marker value so far: envelope v1 (whole value or fields, as configured). */
  public static final String V1 = "v1";

  private static final byte[] V1_BYTES = V1.getBytes(StandardCharsets.US_ASCII);

  // One immutable header object per side, added to every record: no per-record allocation.
  private static final Header VALUE_V1 = new RecordHeader(VALUE, V1_BYTES);
  private static final Header KEY_V1 = new RecordHeader(KEY, V1_BYTES);

  private EncryptionHeaders() {}

  public static String name(boolean isKey) {
    return isKey ? KEY : VALUE;
  }

  /** Replaces any marker of this side with {@code v1}. */
  static void mark(Headers headers, boolean isKey) {
    if (headers != null) {
      String name = name(isKey);
      // lastHeader scans without allocating; remove() always builds an iterator.
      if (headers.lastHeader(name) != null) {
        headers.remove(name);
      }
      headers.add(isKey ? KEY_V1 : VALUE_V1);
    }
  }

  /**
   * Whether the record is marked encrypted on this side.
   *
   * @throws IllegalStateException for a marker this version does not know (a newer writer)
   */
  static boolean isMarked(Headers headers, boolean isKey) {
    if (headers == null) {
      return false;
    }
    Header h = headers.lastHeader(name(isKey));
    if (h == null) {
      return false;
    }
    if (!Arrays.equals(h.value(), V1_BYTES)) {
      throw new IllegalStateException(
          "unknown encryption marker " + name(isKey) + " (expected " + V1 + ")");
    }
    return true;
  }
}
