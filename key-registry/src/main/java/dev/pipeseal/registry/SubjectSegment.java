package dev.pipeseal.registry;

import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.registry.CorruptRecordException;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Subject segment file v1 (docs/format.md, "Subject keys"): an immutable file holding the key and
 * erasure entries of many subjects of one bucket, sorted, with a CRC-32C trailer that catches torn
 * or damaged files (wrapped keys authenticate themselves; the CRC protects structure).
 */
final class SubjectSegment {
  static final byte[] MAGIC = {'P', 'S', 'K', 'S'};
  static final int VERSION = 1;
  static final int KEY = 1;
  static final int ERASED = 2;

  /** Bucket bits: 4096 buckets, the first 12 bits of the subject hash. */
  static final int BUCKET_BITS = 12;

  static final int BUCKETS = 1 << BUCKET_BITS;

  private SubjectSegment() {}

  /** One entry: a subject's key, or the mark that a subject was erased (key null). */
  record Entry(SubjectHash subject, int type, SubjectKey key, Instant erasedAt) {
    static Entry key(SubjectKey k) {
      return new Entry(k.subject(), KEY, k, null);
    }

    static Entry erased(SubjectHash s, Instant at) {
      return new Entry(s, ERASED, null, at);
    }

    long dekId() {
      return key == null ? 0 : key.dekId();
    }
  }

  static final Comparator<Entry> ORDER =
      Comparator.<Entry, Long>comparing(e -> e.subject().high(), Long::compareUnsigned)
          .thenComparing(e -> e.subject().low(), Long::compareUnsigned)
          .thenComparingInt(Entry::type)
          .thenComparing(Entry::dekId, Long::compareUnsigned);

  static int bucket(SubjectHash s) {
    return (int) (s.high() >>> (64 - BUCKET_BITS));
  }

  /** Directory name of a bucket below {@code subjects/}: three hex digits. */
  static String bucketName(int bucket) {
    return String.format("%03x", bucket);
  }

  static byte[] encode(int bucket, List<Entry> entries) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(ORDER);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 128 * sorted.size());
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      out.writeByte(VERSION);
      out.writeShort(bucket);
      out.writeInt(sorted.size());
      for (Entry e : sorted) {
        if (bucket(e.subject()) != bucket) {
          throw new IllegalArgumentException("subject " + e.subject() + " is not in bucket");
        }
        out.writeByte(e.type());
        out.writeLong(e.subject().high());
        out.writeLong(e.subject().low());
        if (e.type() == KEY) {
          byte[] wrapped = WrappedKeyCodec.toBinary(e.key().wrapped());
          out.writeLong(e.key().dekId());
          out.writeLong(e.key().created().toEpochMilli());
          out.writeShort(wrapped.length);
          out.write(wrapped);
        } else {
          out.writeLong(e.erasedAt().toEpochMilli());
        }
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes.toByteArray());
      out.writeInt((int) crc.getValue());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Parses a segment and checks it belongs to {@code bucket}.
   *
   * @throws CorruptRecordException naming the file on any problem
   */
  static List<Entry> decode(String location, String file, int bucket, byte[] content) {
    try {
      if (content.length < 15) {
        throw corrupt(location, file, "truncated", null);
      }
      CRC32C crc = new CRC32C();
      crc.update(content, 0, content.length - 4);
      ByteBuffer in = ByteBuffer.wrap(content);
      if ((int) crc.getValue() != in.getInt(content.length - 4)) {
        throw corrupt(location, file, "checksum mismatch (torn or damaged file)", null);
      }
      in.limit(content.length - 4);
      byte[] magic = new byte[4];
      in.get(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw corrupt(location, file, "not a subject segment", null);
      }
      int version = in.get() & 0xFF;
      if (version != VERSION) {
        throw corrupt(location, file, "unknown segment version " + version, null);
      }
      int b = in.getShort() & 0xFFFF;
      if (b != bucket) {
        throw corrupt(location, file, "segment names bucket " + b, null);
      }
      int count = in.getInt();
      if (count < 0 || count > in.remaining() / 25) {
        throw corrupt(location, file, "impossible entry count " + count, null);
      }
      List<Entry> out = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int type = in.get() & 0xFF;
        SubjectHash s = new SubjectHash(in.getLong(), in.getLong());
        if (bucket(s) != bucket) {
          throw corrupt(location, file, "subject " + s + " is not in this bucket", null);
        }
        if (type == KEY) {
          long dekId = in.getLong();
          Instant created = Instant.ofEpochMilli(in.getLong());
          byte[] wrapped = new byte[in.getShort() & 0xFFFF];
          in.get(wrapped);
          out.add(
              Entry.key(new SubjectKey(s, dekId, created, WrappedKeyCodec.fromBinary(wrapped))));
        } else if (type == ERASED) {
          out.add(Entry.erased(s, Instant.ofEpochMilli(in.getLong())));
        } else {
          throw corrupt(location, file, "unknown entry type " + type, null);
        }
      }
      if (in.hasRemaining()) {
        throw corrupt(location, file, in.remaining() + " trailing bytes", null);
      }
      return out;
    } catch (BufferUnderflowException e) {
      throw corrupt(location, file, "truncated", e);
    } catch (InvalidWrappedKeyException e) {
      throw corrupt(location, file, e.getMessage(), e);
    }
  }

  private static CorruptRecordException corrupt(
      String location, String file, String message, Throwable cause) {
    return new CorruptRecordException(
        location, null, -1, "subject segment " + file + ": " + message, cause);
  }
}
