package dev.pipeseal.jobs.rotation;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.jobs.lake.KeyMaterial;
import dev.pipeseal.jobs.lake.KeyMaterialFile;
import dev.pipeseal.jobs.run.FaultInjection;
import dev.pipeseal.jobs.run.JobContext;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.parquet.kms.WrappedKeyString;
import dev.pipeseal.registry.HadoopAtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Replaces an external key material file whose wrapped keys were rewrapped (rotate) or moved to
 * another provider (migration): write new, check, then swap, so a crash at any point leaves a
 * material file that opens the data file.
 *
 * <p>Right before the swap, the data file and the key material are checked to be what the job read
 * ({@link Read}): a writer that ignored the lake's lease and replaced them meanwhile (a {@code
 * reencrypt} swaps key material, then data) would otherwise get key material for the old data file
 * renamed beside its new one. The check leaves a window of one rename; the lease closes it for jobs
 * that take it.
 */
public final class KeyMaterialSwap {
  private KeyMaterialSwap() {}

  /** What a job read of a data file and its key material, before working on them. */
  public record Read(
      Path data, long length, long modified, KeyMaterialFile material, byte[] materialBytes) {
    /**
     * The data file's state now; call before reading the data file's footer, then {@link #with} the
     * key material read after it.
     */
    public static Read of(Path data, Configuration conf) throws IOException {
      FileStatus st = HadoopAtomicFiles.rawFileSystem(data, conf).getFileStatus(data);
      return new Read(data, st.getLen(), st.getModificationTime(), null, null);
    }

    public Read with(KeyMaterialFile material) {
      return new Read(data, length, modified, material, null);
    }

    /**
     * As {@link #with(KeyMaterialFile)}, also given the bytes {@code material} was parsed from: the
     * check then compares bytes first and parses only when they differ.
     */
    public Read with(KeyMaterialFile material, byte[] bytes) {
      return new Read(data, length, modified, material, bytes);
    }

    /**
     * Fails if the data file or its key material is no longer what was read.
     *
     * @throws ChangedConcurrentlyException naming the file and what changed
     */
    void check(Configuration conf) throws IOException {
      FileStatus st;
      try {
        st = HadoopAtomicFiles.rawFileSystem(data, conf).getFileStatus(data);
      } catch (java.io.FileNotFoundException e) {
        throw changed("the data file was removed");
      }
      if (st.getLen() != length || st.getModificationTime() != modified) {
        throw changed("the data file was replaced");
      }
      byte[] now;
      try {
        now = KeyMaterialFile.readBytes(material.path(), conf);
      } catch (java.io.FileNotFoundException e) {
        throw changed("its key material file was removed");
      }
      // The same bytes are the same entries; other bytes may still hold them (another writer's
      // formatting), which only parsing tells.
      if (materialBytes != null && Arrays.equals(now, materialBytes)) {
        return;
      }
      KeyMaterialFile parsed =
          KeyMaterialFile.parse(material.path(), new String(now, StandardCharsets.UTF_8));
      if (!parsed.entries().equals(material.entries())) {
        throw changed("its key material was replaced");
      }
    }

    private ChangedConcurrentlyException changed(String what) {
      return new ChangedConcurrentlyException(
          data
              + ": changed by another writer while this job worked on it ("
              + what
              + "); key material left as that writer made it; rerun the job for this file");
    }
  }

  /**
   * Publishes {@code next} as the key material at {@code materialPath} after proving it: the file
   * read back holds exactly {@code next}, and every key in {@code changed} (reference to Parquet
   * master key id) is wrapped by {@code kms}'s provider, unwraps through it, and its DEK
   * authenticates Parquet's key (zeroed at once).
   *
   * @param read the data file and key material as the job read them: checked unchanged right before
   *     the swap
   * @param file the data file, for fault injection points and messages
   * @param later where the directory force of the rename goes ({@link JobContext#renamed}: forced
   *     once per batch, before the checkpoint records the file), or null to force it here. Both
   *     versions of the key material open the same data file, so a rename a power loss undoes
   *     leaves a readable file that the rerun rotates again.
   * @return what now stands at {@code materialPath}
   * @throws ChangedConcurrentlyException if {@code read} no longer holds (nothing replaced)
   */
  public static KeyMaterialFile publish(
      Kms kms,
      Path materialPath,
      LinkedHashMap<String, String> next,
      Map<String, String> changed,
      Read read,
      Configuration conf,
      String file,
      HadoopAtomicFiles.DirectoryForces later)
      throws IOException {
    KeyMaterialFile updated = new KeyMaterialFile(materialPath, next);
    Path tmp = HadoopAtomicFiles.writeTemporary(materialPath, updated.toBytes(), conf);
    try {
      check(kms, KeyMaterialFile.read(tmp, conf), next, changed);
      FaultInjection.at(FaultInjection.AFTER_WRITE, file);
      read.check(conf);
      HadoopAtomicFiles.swap(tmp, materialPath, conf, later);
    } catch (IOException | RuntimeException e) {
      HadoopAtomicFiles.discard(tmp, conf);
      throw e;
    }
    FaultInjection.at(FaultInjection.AFTER_RENAME, file);
    return updated;
  }

  private static void check(
      Kms kms,
      KeyMaterialFile written,
      LinkedHashMap<String, String> expected,
      Map<String, String> changed)
      throws IOException {
    if (!written.entries().equals(expected)) {
      throw new IOException(
          written.path() + ": key material read back differs from what was written");
    }
    for (Map.Entry<String, String> k : changed.entrySet()) {
      LinkedHashMap<String, Object> m =
          KeyMaterial.parseObject(written.entries().get(k.getKey()), written.path().toString());
      WrappedKeyString s =
          WrappedKeyString.decode((String) m.get(KeyMaterial.wrappedMember(m)), k.getValue());
      if (!s.wrapped().provider().equals(kms.providerId())) {
        throw new IOException(
            written.path() + ": key " + k.getKey() + " is not wrapped by " + kms.providerId());
      }
      try (DataKey dek = KmsCalls.await(kms.unwrap(s.wrapped()).toCompletableFuture())) {
        byte[] parquetKey = s.open(dek, k.getValue());
        Arrays.fill(parquetKey, (byte) 0);
      }
    }
  }
}
