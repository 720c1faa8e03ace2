package dev.pipeseal.jobs.inventory;

import dev.pipeseal.crypto.envelope.Envelope;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.crypto.envelope.KeyReferenceKind;
import dev.pipeseal.jobs.cli.SharedOptions;
import dev.pipeseal.jobs.lake.CellColumn;
import dev.pipeseal.jobs.lake.ExplicitKeys;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.SubjectErasedException;
import dev.pipeseal.kms.registry.SubjectHash;
import dev.pipeseal.kms.registry.SubjectKey;
import dev.pipeseal.kms.registry.SubjectKeyRegistry;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import dev.pipeseal.registry.KeyRegistries;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Finds the Pipeseal envelope cells of a file and the keys they reference, from envelope headers
 * only (no key is used). It samples: the first {@link #SAMPLE} values of each column chunk of each
 * top-level, non-repeated binary column that PME leaves readable (not encrypted by PME). Only those
 * columns are read (a projection), and only the first values of each chunk are decoded; the chunks
 * of those columns are still fetched whole. A column counts as cells when every sampled non-null
 * value parses as an envelope header.
 */
public final class CellSampler {
  /** Values read per column chunk. */
  public static final int SAMPLE = 32;

  /** How the report describes the sampling. */
  public static final String METHOD =
      "first "
          + SAMPLE
          + " values of each column chunk of top-level binary columns not encrypted by PME";

  private CellSampler() {}

  /**
   * @param conf the job's settings; without a KMS ({@code pipeseal.kms.uri}) files are opened
   *     without any crypto factory, so only plaintext files and plaintext footers can be sampled
   * @return the cell columns, empty if none
   */
  public static List<CellColumn> sample(Path file, Configuration conf) throws IOException {
    return read(file, conf, SAMPLE);
  }

  /**
   * As {@link #sample} but looks at every value of the cell columns, as {@code verify} does: counts
   * cells under per-subject keys, and those of shredded subjects exactly.
   */
  public static List<CellColumn> count(Path file, Configuration conf) throws IOException {
    return read(file, conf, Long.MAX_VALUE);
  }

  private static List<CellColumn> read(Path file, Configuration conf, long perChunk)
      throws IOException {
    String registry = conf.get(SharedOptions.REGISTRY_LOCATION);
    if (registry == null) {
      return read(file, conf, perChunk, null);
    }
    Map<String, String> options = new TreeMap<>();
    conf.forEach(
        e -> {
          if (e.getKey().startsWith("pipeseal.registry.")
              && !e.getKey().equals(SharedOptions.REGISTRY_LOCATION)) {
            options.put(e.getKey().substring("pipeseal.".length()), e.getValue());
          }
        });
    try (SubjectKeyRegistry subjects = KeyRegistries.openSubjects(registry, options)) {
      return read(file, conf, perChunk, subjects);
    }
  }

  private static List<CellColumn> read(
      Path file, Configuration conf, long perChunk, SubjectKeyRegistry subjects)
      throws IOException {
    Configuration c = new Configuration(conf);
    if (c.get("pipeseal.kms.uri") == null) {
      c.unset("parquet.crypto.factory.class"); // key-free: never ask a KMS
    }
    HadoopReadOptions.Builder options = HadoopReadOptions.builder(c, file);
    // Files of other writers with explicit keys open with the keys the operator supplied.
    FileDecryptionProperties explicitKeys = ExplicitKeys.decryptionFor(file, c);
    if (explicitKeys != null) {
      options.withDecryption(explicitKeys);
    }
    try (ParquetFileReader reader =
        ParquetFileReader.open(HadoopInputFile.fromPath(file, c), options.build())) {
      ParquetMetadata footer = reader.getFooter();
      MessageType schema = footer.getFileMetaData().getSchema();
      List<Type> candidates = candidates(schema, footer.getBlocks());
      if (candidates.isEmpty()) {
        return List.of();
      }
      MessageType projection = new MessageType(schema.getName(), candidates);
      reader.setRequestedSchema(projection);
      Map<String, Keys> found = new TreeMap<>();
      for (Type t : candidates) {
        found.put(t.getName(), new Keys(perChunk, subjects));
      }
      String createdBy = footer.getFileMetaData().getCreatedBy();
      for (PageReadStore rowGroup = reader.readNextRowGroup();
          rowGroup != null;
          rowGroup = reader.readNextRowGroup()) {
        ColumnReadStoreImpl store =
            new ColumnReadStoreImpl(
                rowGroup,
                new GroupRecordConverter(projection).getRootConverter(),
                projection,
                createdBy);
        for (ColumnDescriptor d : projection.getColumns()) {
          found.get(d.getPath()[0]).read(store.getColumnReader(d), d.getMaxDefinitionLevel());
        }
      }
      List<CellColumn> out = new ArrayList<>();
      found.forEach(
          (name, k) -> {
            if (k.sampled > 0 && k.notEnvelopes == 0) {
              out.add(
                  new CellColumn(
                      name,
                      k.sampled,
                      new ArrayList<>(k.registry),
                      new ArrayList<>(k.inline),
                      k.subject,
                      k.erased));
            }
          });
      return out;
    }
  }

  /** Top-level optional/required binary fields whose chunks are not PME-encrypted. */
  private static List<Type> candidates(MessageType schema, List<BlockMetaData> blocks) {
    TreeSet<String> encrypted = new TreeSet<>();
    for (BlockMetaData b : blocks) {
      for (ColumnChunkMetaData c : b.getColumns()) {
        if (c.isEncrypted()) {
          encrypted.add(c.getPath().toDotString());
        }
      }
    }
    List<Type> out = new ArrayList<>();
    for (Type t : schema.getFields()) {
      if (t.isPrimitive()
          && !t.isRepetition(Type.Repetition.REPEATED)
          && t.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.BINARY
          && !encrypted.contains(t.getName())) {
        out.add(t);
      }
    }
    return out;
  }

  /** What the sampled values of one column named. */
  private static final class Keys {
    final long perChunk;
    final SubjectKeyRegistry subjects;
    long sampled;
    long notEnvelopes;
    long subject;
    long erased;
    final TreeSet<String> registry = new TreeSet<>();
    final TreeSet<String> inline = new TreeSet<>();

    Keys(long perChunk, SubjectKeyRegistry subjects) {
      this.perChunk = perChunk;
      this.subjects = subjects;
    }

    void read(ColumnReader r, int maxDefinition) {
      long n = Math.min(perChunk, r.getTotalValueCount());
      for (long i = 0; i < n; i++) {
        if (r.getCurrentDefinitionLevel() == maxDefinition) {
          sampled++;
          note(r.getBinary().getBytes());
        }
        r.consume();
      }
    }

    private void note(byte[] value) {
      KeyReference ref;
      try {
        ref = Envelope.parseHeader(value).keyReference();
      } catch (RuntimeException notAnEnvelope) {
        notEnvelopes++;
        return;
      }
      if (ref.kind() == KeyReferenceKind.SUBJECT_KEY_ID) {
        subject++;
        byte[] b = ref.bytes();
        if (subjects != null && b.length == SubjectKey.REFERENCE_BYTES) {
          try {
            subjects.key(SubjectHash.fromBytes(b, 0), SubjectKey.dekIdOf(b));
          } catch (SubjectErasedException e) {
            erased++;
          }
        }
      } else if (ref.kind() == KeyReferenceKind.REGISTRY_KEY_ID) {
        try {
          registry.add(KeyId.fromBytes(ref.bytes()).hex());
        } catch (RuntimeException badId) {
          notEnvelopes++;
        }
      } else {
        try {
          WrappedKey w = WrappedKeyCodec.fromBinary(ref.bytes());
          inline.add(w.masterKeyName() + "@" + w.masterKeyVersion());
        } catch (RuntimeException foreign) {
          inline.add("?"); // wrapped by another KMS layer: the master key is not readable
        }
      }
    }
  }
}
