package dev.pipeseal.kms.pq;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Test vector files (lines of space-separated hex) and a deterministic randomness source. */
final class Vectors {
  static final HexFormat HEX = HexFormat.of();

  private Vectors() {}

  static List<byte[][]> load(String resource) {
    List<byte[][]> out = new ArrayList<>();
    try (InputStream in = Vectors.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] parts = line.trim().split(" ");
        byte[][] row = new byte[parts.length][];
        for (int i = 0; i < parts.length; i++) {
          row[i] = HEX.parseHex(parts[i]);
        }
        out.add(row);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** SHA-256(label || counter) blocks, in order: the same bytes on every run. */
  static SecureRandom deterministic(String label) {
    return new SecureRandom() {
      private static final long serialVersionUID = 1L;
      private long counter;
      private byte[] block = new byte[0];
      private int pos;

      @Override
      public synchronized void nextBytes(byte[] out) {
        for (int i = 0; i < out.length; i++) {
          if (pos == block.length) {
            try {
              block =
                  MessageDigest.getInstance("SHA-256")
                      .digest((label + "/" + counter++).getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException(e);
            }
            pos = 0;
          }
          out[i] = block[pos++];
        }
      }
    };
  }
}
