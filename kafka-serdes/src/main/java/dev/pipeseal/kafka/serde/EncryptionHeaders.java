package dev.pipeseal.kafka.serde;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The record header that marks an encrypted value ({@code pipeseal.enc=v1}) or key ({@code
 * pipeseal.enc.key=v1}), so consumers tell encrypted records from legacy plaintext ones without
 * guessing. The envelope's own version byte says which format the bytes are in.
 */
public final class EncryptionHeaders {
  /** Header marking an encrypted value. */
  public static final String VALUE = "pipeseal.enc";

  /** Header marking an encrypted key. */
  public static final String KEY = "pipeseal.enc.key";

  /** The only marker value so far: envelope v1 (whole value or fields, as configured). */
  public static final String V1 = "v1";

  private static final byte[] V1_BYTES = V1.getBytes(StandardCharsets.US_ASCII);

  private EncryptionHeaders() {}

  public static String name(boolean isKey) {
    return isKey ? KEY : VALUE;
  }

  /** Replaces any marker of this side with {@code v1}. */
  static void mark(Headers headers, boolean isKey) {
    if (headers != null) {
      String name = name(isKey);
      headers.remove(name);
      headers.add(name, V1_BYTES);
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
