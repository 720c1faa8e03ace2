package dev.pipeseal.jobs.reencrypt;

import dev.pipeseal.jobs.lake.ExplicitKeys;
import dev.pipeseal.jobs.lake.KeyMaterial;
import dev.pipeseal.jobs.lake.KeyMaterialFile;
import dev.pipeseal.jobs.lake.ParquetTail;
import dev.pipeseal.jobs.run.FaultInjection;
import dev.pipeseal.registry.HadoopAtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Rewrites one file under the write policy of {@code conf}: decodes every record with parquet-java
 * and encodes it again (new random DEKs from the crypto factory), into a hidden temporary file in
 * the same directory (same table binding). The new file is then read back in full and its records'
 * digest compared with the source's; only then is it renamed over the source.
 *
 * <p>Key material: the output keeps the mode asked for ({@link #rewrite}). External output needs a
 * data file and its {@code _KEY_MATERIAL_FOR_} file replaced together, which no file system does in
 * one step; but a file with internal key material ignores a key material file beside it. So the new
 * key material file is renamed into place first, while the data file it sits beside is internal,
 * then the new data file over it: every state in between reads. A source that itself reads external
 * key material is first rewritten with internal material (so an external to external rewrite writes
 * the data twice). A key material file beside an internal file is the marker of that intermediate
 * state: {@link #readsOrTargetsExternal} counts it as external, so a rerun after a crash finishes
 * the job in the same mode.
 */
public final class FileRewriter {
  private FileRewriter() {}

  /**
   * Rewrites {@code source}; returns the number of rows. Leaves the source readable on error.
   *
   * @param external write external key material (else internal, and the old key material file, if
   *     any, is removed after the swap)
   */
  public static long rewrite(Path source, Configuration conf, boolean external) throws IOException {
    long rows = 0;
    if (external && readsExternal(source, conf)) {
      rows = replace(source, conf, false); // step 1: off the key material file
    }
    rows = replace(source, conf, external);
    if (!external) {
      Path material = KeyMaterialFile.of(source);
      if (exists(material, conf)) {
        source.getFileSystem(conf).delete(material, false); // an orphan at worst
      }
    }
    return rows;
  }

  /**
   * Whether {@code source} uses external key material: its footer says so, or a key material file
   * sits beside it (the marker a crashed external rewrite leaves, see the class comment).
   */
  public static boolean readsOrTargetsExternal(Path source, Configuration conf) throws IOException {
    return readsExternal(source, conf) || exists(KeyMaterialFile.of(source), conf);
  }

  private static boolean readsExternal(Path source, Configuration conf) throws IOException {
    ParquetTail tail = ParquetTail.read(source, conf);
    return tail.encrypted()
        && tail.footerKeyMaterial() != null
        && !ExplicitKeys.isKeyId(tail.footerKeyMaterial())
        && KeyMaterial.isExternal(
            KeyMaterial.parseObject(tail.footerKeyMaterial(), source.toString()));
  }

  /** One verified write-and-swap of {@code source} with key material of the given mode. */
  private static long replace(Path source, Configuration conf, boolean external)
      throws IOException {
    MessageType schema;
    CompressionCodecName codec = CompressionCodecName.UNCOMPRESSED;
    long rows;
    // Files written with explicit keys are read with the keys the operator supplied; the output is
    // written under the job's policy (KMS keys), which is the migration.
    FileDecryptionProperties explicitKeys = ExplicitKeys.decryptionFor(source, conf);
    HadoopReadOptions.Builder readOptions = HadoopReadOptions.builder(conf, source);
    if (explicitKeys != null) {
      readOptions.withDecryption(explicitKeys);
    }
    try (ParquetFileReader r =
        ParquetFileReader.open(HadoopInputFile.fromPath(source, conf), readOptions.build())) {
      ParquetMetadata footer = r.getFooter();
      schema = footer.getFileMetaData().getSchema();
      rows = r.getRecordCount();
      if (!footer.getBlocks().isEmpty() && !footer.getBlocks().get(0).getColumns().isEmpty()) {
        codec = footer.getBlocks().get(0).getColumns().get(0).getCodec();
      }
    }
    Configuration writeConf = new Configuration(conf);
    writeConf.set("pipeseal.parquet.key-material", external ? "external" : "internal");
    Path tmp = HadoopAtomicFiles.temporaryFor(source);
    try {
      byte[] written = copy(source, tmp, schema, codec, conf, writeConf, explicitKeys);
      byte[] readBack = digest(tmp, conf, rows);
      if (!Arrays.equals(written, readBack)) {
        throw new IOException(source + ": the rewritten file does not read back the same records");
      }
      FaultInjection.at(FaultInjection.AFTER_WRITE, source.toString());
      if (external) {
        // The source reads internal key material here, so it ignores the file being replaced.
        HadoopAtomicFiles.swap(KeyMaterialFile.of(tmp), KeyMaterialFile.of(source), conf);
      }
      HadoopAtomicFiles.swap(tmp, source, conf);
    } catch (IOException | RuntimeException e) {
      HadoopAtomicFiles.discard(tmp, conf);
      discardSidecars(tmp, conf);
      throw e;
    }
    FaultInjection.at(FaultInjection.AFTER_RENAME, source.toString());
    discardSidecars(tmp, conf);
    return rows;
  }

  private static byte[] copy(
      Path source,
      Path tmp,
      MessageType schema,
      CompressionCodecName codec,
      Configuration conf,
      Configuration writeConf,
      FileDecryptionProperties explicitKeys)
      throws IOException {
    MessageDigest md = sha256();
    ParquetReader.Builder<Group> reader =
        ParquetReader.builder(new GroupReadSupport(), source).withConf(conf);
    if (explicitKeys != null) {
      reader.withDecryption(explicitKeys);
    }
    try (ParquetReader<Group> r = reader.build();
        ParquetWriter<Group> w =
            ExampleParquetWriter.builder(tmp)
                .withConf(writeConf)
                .withType(schema)
                .withCompressionCodec(codec)
                .withWriteMode(ParquetFileWriter.Mode.CREATE)
                .build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        md.update(g.toString().getBytes(StandardCharsets.UTF_8));
        w.write(g);
      }
    }
    return md.digest();
  }

  /** Reads {@code file} in full (every page decrypted and authenticated) into a digest. */
  static byte[] digest(Path file, Configuration conf, long expectedRows) throws IOException {
    MessageDigest md = sha256();
    long n = 0;
    try (ParquetReader<Group> r =
        ParquetReader.builder(new GroupReadSupport(), file).withConf(conf).build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        md.update(g.toString().getBytes(StandardCharsets.UTF_8));
        n++;
      }
    }
    if (n != expectedRows) {
      throw new IOException(file + ": read back " + n + " rows, expected " + expectedRows);
    }
    return md.digest();
  }

  private static boolean exists(Path p, Configuration conf) throws IOException {
    return p.getFileSystem(conf).exists(p);
  }

  /** The temporary file's checksum sidecars and any key material Parquet wrote beside it. */
  private static void discardSidecars(Path tmp, Configuration conf) {
    try {
      FileSystem fs = tmp.getFileSystem(conf);
      if (fs instanceof LocalFileSystem local) {
        local.getRawFileSystem().delete(local.getChecksumFile(tmp), false);
        local.getRawFileSystem().delete(local.getChecksumFile(KeyMaterialFile.of(tmp)), false);
      }
      fs.delete(KeyMaterialFile.of(tmp), false);
    } catch (IOException | RuntimeException ignored) {
      // Hidden files readers ignore; nothing depends on them.
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
