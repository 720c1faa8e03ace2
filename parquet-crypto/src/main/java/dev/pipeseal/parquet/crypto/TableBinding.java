package dev.pipeseal.parquet.crypto;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.crypto.AADPrefixVerifier;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;

/**
 * Binds files to their table. The AAD prefix of every encrypted file is {@code "pipeseal/table/v1:"
 * + tableId}; Parquet stores it in the file and mixes it into every module's associated data, so it
 * cannot be altered, and our readers check it names the table they read: a file copied from another
 * table fails. Stock readers ignore it and still read the file.
 */
public final class TableBinding {
  static final String PREFIX = "pipeseal/table/v1:";

  private TableBinding() {}

  /**
   * The table a data file belongs to: its directory without Hive partition directories ({@code
   * k=v}) and without writer staging directories ({@code _temporary/...}, {@code
   * .spark-staging-*}). Only the path is used, not the scheme or authority, so {@code file:/t} and
   * {@code /t} agree.
   */
  public static String tableOf(Path file) {
    String path = file.toUri().getPath();
    List<String> segments = new ArrayList<>(Arrays.asList(path.split("/")));
    if (!segments.isEmpty()) {
      segments.remove(segments.size() - 1);
    }
    for (int i = 0; i < segments.size(); i++) {
      String s = segments.get(i);
      if (s.equals("_temporary") || s.startsWith(".spark-staging")) {
        segments = segments.subList(0, i);
        break;
      }
    }
    int end = segments.size();
    while (end > 0 && isPartition(segments.get(end - 1))) {
      end--;
    }
    String table = String.join("/", segments.subList(0, end));
    return table.isEmpty() ? "/" : table;
  }

  private static boolean isPartition(String segment) {
    int eq = segment.indexOf('=');
    return eq > 0 && !segment.startsWith("_") && !segment.startsWith(".");
  }

  /** The AAD prefix for {@code tableId}. */
  public static byte[] aadPrefix(String tableId) {
    return (PREFIX + tableId).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The table id an AAD prefix binds a file to, or null when the prefix is not ours (another
   * writer's, or none): lets tools show where a copied or moved file belongs without any key.
   */
  public static String tableId(byte[] aadPrefix) {
    if (aadPrefix == null) {
      return null;
    }
    String s = new String(aadPrefix, StandardCharsets.UTF_8);
    return s.startsWith(PREFIX) ? s.substring(PREFIX.length()) : null;
  }

  /** A verifier that accepts only the prefix of {@code tableId}, naming {@code file} on error. */
  public static AADPrefixVerifier verifier(String tableId, Path file) {
    byte[] expected = aadPrefix(tableId);
    return actual -> {
      if (!Arrays.equals(expected, actual)) {
        throw new ParquetCryptoRuntimeException(
            "file "
                + file
                + " belongs to table '"
                + describe(actual)
                + "', not to table '"
                + tableId
                + "' (copied between tables?)");
      }
    };
  }

  private static String describe(byte[] prefix) {
    String s = new String(prefix, StandardCharsets.UTF_8);
    return s.startsWith(PREFIX) ? s.substring(PREFIX.length()) : "(foreign AAD prefix)";
  }
}
