package dev.pipeseal.crypto.envelope;

import dev.pipeseal.crypto.TruncatedCiphertextException;
import dev.pipeseal.crypto.aead.AesSiv;
import dev.pipeseal.crypto.aead.XaesGcm;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Envelope formats v1 and v2: framing, parsing and lengths, all without a key. See {@code
 * docs/format.md} for the byte layout; every released version stays readable forever. The two
 * versions share one layout and differ only in how the header is authenticated: v1 puts the header
 * itself into the associated data, v2 its SHA-256 digest (so a long inline key reference is hashed
 * once per writer and reader, not by GHASH with every value).
 */
public final class Envelope {
  public static final int VERSION_1 = 0x01;

  /** Same layout as v1; the associated data binds {@code 0x02 || SHA-256(header)}. */
  public static final int VERSION_2 = 0x02;

  /** Plaintext bytes per segment that writers use by default for segmented values. */
  public static final int DEFAULT_SEGMENT_BYTES = 16 * 1024;

  /** Segment sizes readers accept: 2^12 (4 KiB) to 2^20 (1 MiB) bytes. */
  public static final int MIN_SEGMENT_SHIFT = 12;

  public static final int MAX_SEGMENT_SHIFT = 20;

  static final int TAG_BYTES = XaesGcm.TAG_BYTES;
  static final int XAES_NONCE_BYTES = XaesGcm.NONCE_BYTES;
  static final int SIV_BYTES = AesSiv.SIV_BYTES;

  /**
   * Segmented body prefix: derivation nonce(12) || segment-size shift(1) || random(6). The last 7
   * bytes start every segment nonce, so the segment size is authenticated.
   */
  static final int SEGMENTED_NONCE_BYTES = 19;

  static final int SEGMENT_SHIFT_OFFSET = 12;

  private static final int MAX_VARINT_BYTES = 3;

  private static final int DIGEST_BYTES = 32;

  private Envelope() {}

  /**
   * Whether the value in {@code buf[off, off+len)} starts with exactly {@code header}'s bytes: lets
   * a reader that sees many values under one key reuse the header it parsed (and the key it found
   * for it) after one comparison.
   */
  public static boolean startsWith(EnvelopeHeader header, byte[] buf, int off, int len) {
    byte[] h = header.rawBytes();
    return len >= h.length && Arrays.equals(buf, off, off + h.length, h, 0, h.length);
  }

  /** Parses the header of the envelope that fills {@code buf}. */
  public static EnvelopeHeader parseHeader(byte[] buf) {
    return parseHeader(buf, 0, buf.length, null);
  }

  /** Parses the header of the envelope in {@code buf[off, off+len)}. */
  public static EnvelopeHeader parseHeader(byte[] buf, int off, int len) {
    return parseHeader(buf, off, len, null);
  }

  /**
   * As {@link #parseHeader(byte[], int, int)}, naming {@code context} in error messages. Checks the
   * header and that the body is long enough for its algorithm.
   */
  public static EnvelopeHeader parseHeader(byte[] buf, int off, int len, EnvelopeContext context) {
    String where = where(context);
    if (len < 1) {
      throw new TruncatedCiphertextException(where + ": empty value, not an envelope");
    }
    int version = buf[off] & 0xff;
    if (version != VERSION_1 && version != VERSION_2) {
      throw new UnsupportedEnvelopeVersionException(
          where
              + ": unsupported envelope format version 0x"
              + hex(version)
              + " (this reader knows 0x01 and 0x02)");
    }
    String v = "envelope v" + version;
    if (len < 3) {
      throw new TruncatedCiphertextException(
          where + ": " + v + " is " + len + " bytes, shorter than its 3 fixed header bytes");
    }
    int algorithmId = buf[off + 1] & 0xff;
    Algorithm algorithm = Algorithm.forId(algorithmId);
    if (algorithm == null) {
      throw new UnknownAlgorithmException(
          where + ": " + v + " names unknown algorithm 0x" + hex(algorithmId));
    }
    int kindId = buf[off + 2] & 0xff;
    KeyReferenceKind kind = KeyReferenceKind.forId(kindId);
    if (kind == null) {
      throw new UnknownKeyReferenceKindException(
          where + ": " + v + " names unknown key reference kind 0x" + hex(kindId));
    }
    // Unsigned LEB128, canonical (no redundant zero groups), 1..65535.
    int refLen = 0;
    int pos = 3;
    for (int i = 0; ; i++) {
      if (pos >= len) {
        throw new TruncatedCiphertextException(
            where + ": " + v + " ends inside its key reference length");
      }
      if (i == MAX_VARINT_BYTES) {
        throw new MalformedEnvelopeException(
            where + ": key reference length varint is longer than 3 bytes");
      }
      int b = buf[off + pos++] & 0xff;
      refLen |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) {
          throw new MalformedEnvelopeException(
              where + ": key reference length varint is not minimally encoded");
        }
        break;
      }
    }
    if (refLen == 0 || refLen > KeyReference.MAX_BYTES) {
      throw new MalformedEnvelopeException(
          where + ": key reference length " + refLen + " is outside 1..65535");
    }
    if (len - pos < refLen) {
      throw new TruncatedCiphertextException(
          where
              + ": "
              + v
              + " ends inside its key reference ("
              + (len - pos)
              + " of "
              + refLen
              + " bytes)");
    }
    byte[] refBytes = new byte[refLen];
    System.arraycopy(buf, off + pos, refBytes, 0, refLen);
    pos += refLen;
    byte[] headerBytes = new byte[pos];
    System.arraycopy(buf, off, headerBytes, 0, pos);
    EnvelopeHeader header =
        new EnvelopeHeader(version, algorithm, new KeyReference(kind, refBytes), headerBytes);
    plaintextLength(header, buf, off + pos, len - pos, context);
    return header;
  }

  /** The plaintext length of the envelope in {@code buf[off, off+len)}, without decrypting. */
  public static int plaintextLength(byte[] buf, int off, int len) {
    EnvelopeHeader header = parseHeader(buf, off, len, null);
    return plaintextLength(header, buf, off + header.length(), len - header.length(), null);
  }

  /**
   * The envelope length for a plaintext of {@code plaintextLength} bytes (segmented values with the
   * default segment size).
   */
  public static int envelopeLength(Algorithm algorithm, KeyReference ref, int plaintextLength) {
    return envelopeLength(algorithm, ref, plaintextLength, DEFAULT_SEGMENT_BYTES);
  }

  /** As {@link #envelopeLength(Algorithm, KeyReference, int)} for a given segment size. */
  public static int envelopeLength(
      Algorithm algorithm, KeyReference ref, int plaintextLength, int segmentBytes) {
    return headerLength(ref) + bodyLength(algorithm, plaintextLength, segmentBytes);
  }

  /** Header bytes of v1 for {@code algorithm} and {@code ref}. */
  static byte[] header(Algorithm algorithm, KeyReference ref) {
    return header(VERSION_1, algorithm, ref);
  }

  /** Header bytes: version, algorithm, kind, varint, ref. */
  static byte[] header(int version, Algorithm algorithm, KeyReference ref) {
    if (version != VERSION_1 && version != VERSION_2) {
      throw new IllegalArgumentException("no envelope format version " + version);
    }
    byte[] refBytes = ref.rawBytes();
    byte[] out = new byte[headerLength(ref)];
    out[0] = (byte) version;
    out[1] = (byte) algorithm.id();
    out[2] = (byte) ref.kind().id();
    int pos = 3;
    int v = refBytes.length;
    while (v >= 0x80) {
      out[pos++] = (byte) (v | 0x80);
      v >>>= 7;
    }
    out[pos++] = (byte) v;
    System.arraycopy(refBytes, 0, out, pos, refBytes.length);
    return out;
  }

  /**
   * The part of the associated data that stands for {@code header} (which starts with its version
   * byte): v1 the header itself; v2 {@code 0x02 || SHA-256(header)}. The leading version byte keeps
   * the two forms apart: no v2 associated data equals a v1 one, whose first byte is 0x01.
   */
  static byte[] boundHeader(byte[] header) {
    if (header[0] == VERSION_1) {
      return header;
    }
    if (header[0] != VERSION_2) {
      throw new IllegalArgumentException("no envelope format version " + (header[0] & 0xff));
    }
    byte[] out = new byte[1 + DIGEST_BYTES];
    out[0] = VERSION_2;
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(header);
      sha.digest(out, 1, DIGEST_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
    return out;
  }

  static int headerLength(KeyReference ref) {
    int n = ref.length();
    int varint = n < (1 << 7) ? 1 : n < (1 << 14) ? 2 : 3;
    return 3 + varint + n;
  }

  static int bodyLength(Algorithm algorithm, int plaintextLength, int segmentBytes) {
    switch (algorithm) {
      case XAES_256_GCM:
        return Math.addExact(plaintextLength, XAES_NONCE_BYTES + TAG_BYTES);
      case AES_SIV:
        return Math.addExact(plaintextLength, SIV_BYTES);
      case XAES_256_GCM_SEGMENTED:
        long segments = segmentCount(plaintextLength, segmentBytes);
        return Math.toIntExact(SEGMENTED_NONCE_BYTES + plaintextLength + segments * TAG_BYTES);
      default:
        throw new IllegalStateException(algorithm.toString());
    }
  }

  /** Segments for a plaintext: at least one (an empty value has one empty, tagged segment). */
  static int segmentCount(int plaintextLength, int segmentBytes) {
    return Math.max(1, (int) ((plaintextLength + (long) segmentBytes - 1) / segmentBytes));
  }

  /** Segment size of the segmented body at {@code buf[body..]} (at least 1 byte long). */
  static int segmentBytes(byte[] buf, int body, EnvelopeHeader header, EnvelopeContext context) {
    int shift = buf[body + SEGMENT_SHIFT_OFFSET] & 0xff;
    if (shift < MIN_SEGMENT_SHIFT || shift > MAX_SEGMENT_SHIFT) {
      throw new MalformedEnvelopeException(
          describe(context, header)
              + ": segment size 2^"
              + shift
              + " is outside 2^"
              + MIN_SEGMENT_SHIFT
              + "..2^"
              + MAX_SEGMENT_SHIFT);
    }
    return 1 << shift;
  }

  /** Plaintext length for a body of {@code bodyLen} bytes; rejects lengths no encoder writes. */
  static int plaintextLength(
      EnvelopeHeader header, byte[] buf, int body, int bodyLen, EnvelopeContext context) {
    Algorithm algorithm = header.algorithm();
    switch (algorithm) {
      case XAES_256_GCM:
        return atLeast(header, bodyLen, XAES_NONCE_BYTES + TAG_BYTES, context);
      case AES_SIV:
        return atLeast(header, bodyLen, SIV_BYTES, context);
      case XAES_256_GCM_SEGMENTED:
        int rest = atLeast(header, bodyLen, SEGMENTED_NONCE_BYTES + TAG_BYTES, context) + TAG_BYTES;
        int sealed = segmentBytes(buf, body, header, context) + TAG_BYTES;
        int segments = (rest + sealed - 1) / sealed;
        int last = rest - (segments - 1) * sealed;
        if (last < TAG_BYTES) {
          throw new TruncatedCiphertextException(
              describe(context, header) + ": last segment is shorter than its tag");
        }
        if (last == TAG_BYTES && segments > 1) {
          throw new MalformedEnvelopeException(
              describe(context, header) + ": empty final segment after a full one");
        }
        return rest - segments * TAG_BYTES;
      default:
        throw new IllegalStateException(algorithm.toString());
    }
  }

  private static int atLeast(
      EnvelopeHeader header, int bodyLen, int overhead, EnvelopeContext context) {
    if (bodyLen < overhead) {
      throw new TruncatedCiphertextException(
          describe(context, header)
              + ": body is "
              + bodyLen
              + " bytes, shorter than the "
              + overhead
              + " bytes of nonce/tag the algorithm needs");
    }
    return bodyLen - overhead;
  }

  static String where(EnvelopeContext context) {
    return context == null ? "envelope" : "envelope in " + context.description();
  }

  /** Names the context, algorithm and key reference; never key bytes or plaintext. */
  static String describe(EnvelopeContext context, EnvelopeHeader header) {
    return where(context)
        + " (v"
        + header.version()
        + ", "
        + header.algorithm()
        + ", "
        + header.keyReference()
        + ")";
  }

  private static String hex(int b) {
    return String.format("%02x", b);
  }
}
