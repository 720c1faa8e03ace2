package dev.pipeseal.kms.pq;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Byte layout of the wrapped bytes of algorithm {@value #ALGORITHM} (see {@code docs/format.md},
 * "Hybrid public-key wrapped keys v1"). Pure parsing and encoding: no keys, no crypto.
 *
 * <pre>
 * u8 format version (0x01) | u8 KEM id (0x01 = X-Wing) | u8 stanza count n (1..16)
 * n x ( u8 len | recipient name | u32 recipient key version | X-Wing ct (1120) | sealed DEK (48) )
 * header MAC (32): HMAC-SHA256 over every byte before it, keyed from the DEK and the labels
 * </pre>
 */
final class HybridFormat {
  static final String ALGORITHM = "XWING-AES256-GCM";
  static final int VERSION = 0x01;
  static final int KEM_XWING = 0x01;
  static final int MAX_RECIPIENTS = 16;
  static final int SEALED_DEK_BYTES = 32 + 16;
  static final int MAC_BYTES = 32;

  private HybridFormat() {}

  /** One recipient's part. */
  record Stanza(String recipient, int version, byte[] ciphertext, byte[] sealedDek) {}

  /** A parsed record; {@code macInput} is every byte before the MAC. */
  record Parsed(List<Stanza> stanzas, byte[] macInput, byte[] mac) {}

  /** Everything but the MAC. */
  static byte[] encodeBody(List<Stanza> stanzas) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(3 + stanzas.size() * 1210);
    out.write(VERSION);
    out.write(KEM_XWING);
    out.write(stanzas.size());
    for (Stanza s : stanzas) {
      byte[] name = s.recipient().getBytes(StandardCharsets.US_ASCII);
      out.write(name.length);
      out.writeBytes(name);
      out.writeBytes(ByteBuffer.allocate(4).putInt(s.version()).array());
      out.writeBytes(s.ciphertext());
      out.writeBytes(s.sealedDek());
    }
    return out.toByteArray();
  }

  /** Parses strictly; the exception says what is wrong (no key material involved). */
  static Parsed parse(byte[] bytes) throws MalformedException {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (in.remaining() < 3) {
      throw new MalformedException("truncated: " + bytes.length + " bytes");
    }
    int version = in.get() & 0xff;
    if (version != VERSION) {
      throw new MalformedException("unsupported hybrid wrapped-key format version " + version);
    }
    int kem = in.get() & 0xff;
    if (kem != KEM_XWING) {
      throw new MalformedException("unsupported KEM id " + kem);
    }
    int n = in.get() & 0xff;
    if (n < 1 || n > MAX_RECIPIENTS) {
      throw new MalformedException("stanza count " + n + " is outside 1.." + MAX_RECIPIENTS);
    }
    List<Stanza> stanzas = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      need(in, 1, i);
      int len = in.get() & 0xff;
      if (len < 1) {
        throw new MalformedException("stanza " + i + ": empty recipient name");
      }
      byte[] name = new byte[len];
      need(in, len + 4 + XWing.CIPHERTEXT_BYTES + SEALED_DEK_BYTES, i);
      in.get(name);
      int keyVersion = in.getInt();
      byte[] ct = new byte[XWing.CIPHERTEXT_BYTES];
      in.get(ct);
      byte[] sealed = new byte[SEALED_DEK_BYTES];
      in.get(sealed);
      String recipient = new String(name, StandardCharsets.US_ASCII);
      if (!Recipients.isValidName(recipient)) {
        throw new MalformedException("stanza " + i + ": invalid recipient name");
      }
      if (keyVersion < 1) {
        throw new MalformedException("stanza " + i + ": invalid recipient key version");
      }
      stanzas.add(new Stanza(recipient, keyVersion, ct, sealed));
    }
    if (in.remaining() != MAC_BYTES) {
      throw new MalformedException(
          in.remaining() < MAC_BYTES
              ? "truncated: header MAC missing"
              : "trailing bytes after the header MAC");
    }
    int macAt = in.position();
    byte[] mac = new byte[MAC_BYTES];
    in.get(mac);
    byte[] macInput = java.util.Arrays.copyOf(bytes, macAt);
    return new Parsed(List.copyOf(stanzas), macInput, mac);
  }

  private static void need(ByteBuffer in, int n, int stanza) throws MalformedException {
    if (in.remaining() < n) {
      throw new MalformedException("truncated in stanza " + stanza);
    }
  }

  /** The record does not parse. */
  static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message);
    }
  }
}
