package dev.pipeseal.jobs.lake;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.EncryptionAlgorithm;
import org.apache.parquet.format.FileCryptoMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Util;

/**
 * What a Parquet file reveals without any key: plaintext or PME, the footer mode, the algorithm,
 * the table bound into the AAD prefix, the footer key's material, and (plaintext footers only) the
 * encrypted columns and their key material.
 *
 * @param encrypted PME file
 * @param footerMode {@code plaintext} or {@code encrypted}; null for plaintext files
 * @param algorithm {@code AES_GCM_V1} or {@code AES_GCM_CTR_V1}; null for plaintext files
 * @param table the AAD prefix as text (our table binding), or null
 * @param footerKeyMaterial key metadata of the footer key (JSON text), or null
 * @param columns encrypted column paths, or null when the footer is encrypted (unknown without key)
 * @param columnKeyMaterial per encrypted column with its own key, its key metadata (JSON text)
 */
public record ParquetTail(
    boolean encrypted,
    String footerMode,
    String algorithm,
    String table,
    String footerKeyMaterial,
    List<String> columns,
    List<String> columnKeyMaterial)
    implements Serializable {
  private static final int MAX_FOOTER = 256 << 20;

  /** Positional reads of a file whose length is known. */
  private interface Source extends java.io.Closeable {
    long length();

    void readFully(long position, byte[] into) throws IOException;
  }

  public static ParquetTail read(Path file, Configuration conf) throws IOException {
    java.nio.file.Path local = LocalReads.unchecked(file, conf);
    try (Source in = local != null ? local(local) : hadoop(file, conf)) {
      return read(in);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new java.io.FileNotFoundException(file + " not found");
    }
  }

  private static Source local(java.nio.file.Path file) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    long len;
    try {
      len = ch.size();
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    return new Source() {
      @Override
      public long length() {
        return len;
      }

      @Override
      public void readFully(long position, byte[] into) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(into);
        while (b.hasRemaining()) {
          if (ch.read(b, position + b.position()) < 0) {
            throw new java.io.EOFException("end of file at " + (position + b.position()));
          }
        }
      }

      @Override
      public void close() throws IOException {
        ch.close();
      }
    };
  }

  private static Source hadoop(Path file, Configuration conf) throws IOException {
    FileSystem fs = file.getFileSystem(conf);
    long len = fs.getFileStatus(file).getLen();
    FSDataInputStream in = len < 12 ? null : fs.open(file);
    return new Source() {
      @Override
      public long length() {
        return len;
      }

      @Override
      public void readFully(long position, byte[] into) throws IOException {
        in.readFully(position, into);
      }

      @Override
      public void close() throws IOException {
        if (in != null) {
          in.close();
        }
      }
    };
  }

  private static ParquetTail read(Source in) throws IOException {
    long len = in.length();
    if (len < 12) {
      throw new CorruptFileException("not a Parquet file (" + len + " bytes)");
    }
    byte[] head = new byte[4];
    byte[] tail = new byte[8];
    in.readFully(0, head);
    in.readFully(len - 8, tail);
    String magic = new String(tail, 4, 4, StandardCharsets.US_ASCII);
    String headMagic = new String(head, StandardCharsets.US_ASCII);
    if (!magic.equals(headMagic) || !(magic.equals("PAR1") || magic.equals("PARE"))) {
      throw new CorruptFileException("not a Parquet file (no PAR1/PARE magic at both ends)");
    }
    int footerLen =
        (tail[0] & 0xff) | (tail[1] & 0xff) << 8 | (tail[2] & 0xff) << 16 | (tail[3] & 0xff) << 24;
    if (footerLen <= 0 || footerLen > len - 12 || footerLen > MAX_FOOTER) {
      throw new CorruptFileException("Parquet footer length " + footerLen + " is out of range");
    }
    byte[] footer = new byte[footerLen];
    in.readFully(len - 8 - footerLen, footer);
    try {
      return magic.equals("PARE") ? encryptedFooter(footer) : plaintextFooter(footer);
    } catch (IOException | RuntimeException e) {
      throw new CorruptFileException("Parquet footer does not parse", e);
    }
  }

  private static ParquetTail encryptedFooter(byte[] footer) throws IOException {
    FileCryptoMetaData meta = Util.readFileCryptoMetaData(new ByteArrayInputStream(footer));
    EncryptionAlgorithm alg = meta.getEncryption_algorithm();
    return new ParquetTail(
        true,
        "encrypted",
        algorithmName(alg),
        aadPrefix(alg),
        meta.isSetKey_metadata() ? keyMetadataText(meta.getKey_metadata()) : null,
        null,
        List.of());
  }

  private static ParquetTail plaintextFooter(byte[] footer) throws IOException {
    FileMetaData meta = Util.readFileMetaData(new ByteArrayInputStream(footer), false);
    if (!meta.isSetEncryption_algorithm()) {
      return new ParquetTail(false, null, null, null, null, List.of(), List.of());
    }
    List<String> leaves = leafPaths(meta.getSchema());
    List<String> columns = new ArrayList<>();
    List<String> material = new ArrayList<>();
    if (meta.isSetRow_groups() && !meta.getRow_groups().isEmpty()) {
      RowGroup rg = meta.getRow_groups().get(0);
      for (int i = 0; i < rg.getColumnsSize(); i++) {
        ColumnChunk c = rg.getColumns().get(i);
        if (!c.isSetCrypto_metadata()) {
          continue;
        }
        var cm = c.getCrypto_metadata();
        if (cm.isSetENCRYPTION_WITH_COLUMN_KEY()) {
          var ck = cm.getENCRYPTION_WITH_COLUMN_KEY();
          columns.add(String.join(".", ck.getPath_in_schema()));
          material.add(ck.isSetKey_metadata() ? keyMetadataText(ck.getKey_metadata()) : null);
        } else {
          columns.add(i < leaves.size() ? leaves.get(i) : "#" + i);
          material.add(null); // the footer key
        }
      }
    }
    return new ParquetTail(
        true,
        "plaintext",
        algorithmName(meta.getEncryption_algorithm()),
        aadPrefix(meta.getEncryption_algorithm()),
        meta.isSetFooter_signing_key_metadata()
            ? keyMetadataText(meta.getFooter_signing_key_metadata())
            : null,
        columns,
        material);
  }

  private static List<String> leafPaths(List<SchemaElement> schema) {
    List<String> out = new ArrayList<>();
    if (schema != null && !schema.isEmpty()) {
      walk(schema, new int[] {1}, schema.get(0).getNum_children(), "", out);
    }
    return out;
  }

  private static void walk(
      List<SchemaElement> s, int[] pos, int children, String prefix, List<String> out) {
    for (int c = 0; c < children && pos[0] < s.size(); c++) {
      SchemaElement e = s.get(pos[0]++);
      String path = prefix.isEmpty() ? e.getName() : prefix + "." + e.getName();
      if (e.isSetNum_children() && e.getNum_children() > 0) {
        walk(s, pos, e.getNum_children(), path, out);
      } else {
        out.add(path);
      }
    }
  }

  private static String algorithmName(EncryptionAlgorithm alg) {
    return alg.isSetAES_GCM_CTR_V1() ? "AES_GCM_CTR_V1" : "AES_GCM_V1";
  }

  private static String aadPrefix(EncryptionAlgorithm alg) {
    byte[] p =
        alg.isSetAES_GCM_CTR_V1()
            ? (alg.getAES_GCM_CTR_V1().isSetAad_prefix()
                ? alg.getAES_GCM_CTR_V1().getAad_prefix()
                : null)
            : (alg.getAES_GCM_V1().isSetAad_prefix() ? alg.getAES_GCM_V1().getAad_prefix() : null);
    return p == null ? null : utf8(p);
  }

  /**
   * Key metadata as text: key-tools JSON and the key ids other writers use are UTF-8; anything else
   * (a binary key id) is shown as {@code hex:...} so it is never mangled into replacement chars.
   */
  public static String keyMetadataText(byte[] b) {
    try {
      return java.nio.charset.StandardCharsets.UTF_8
          .newDecoder()
          .decode(java.nio.ByteBuffer.wrap(b))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return "hex:" + java.util.HexFormat.of().formatHex(b);
    }
  }

  private static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
