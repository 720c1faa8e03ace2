package dev.pipeseal.jobs.rotation;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.jobs.lake.KeyMaterial;
import dev.pipeseal.jobs.lake.KeyMaterialFile;
import dev.pipeseal.jobs.run.FaultInjection;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.parquet.kms.WrappedKeyString;
import dev.pipeseal.registry.HadoopAtomicFiles;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Replaces an external key material file whose wrapped keys were rewrapped (rotate) or moved to
 * another provider (migration): write new, check, then swap, so a crash at any point leaves a
 * material file that opens the data file.
 */
public final class KeyMaterialSwap {
  private KeyMaterialSwap() {}

  /**
   * Publishes {@code next} as the key material at {@code materialPath} after proving it: the file
   * read back holds exactly {@code next}, and every key in {@code changed} (reference to Parquet
   * master key id) is wrapped by {@code kms}'s provider, unwraps through it, and its DEK
   * authenticates Parquet's key (zeroed at once).
   *
   * @param file the data file, for fault injection points and messages
   * @return what now stands at {@code materialPath}
   */
  public static KeyMaterialFile publish(
      Kms kms,
      Path materialPath,
      LinkedHashMap<String, String> next,
      Map<String, String> changed,
      Configuration conf,
      String file)
      throws IOException {
    KeyMaterialFile updated = new KeyMaterialFile(materialPath, next);
    Path tmp = HadoopAtomicFiles.writeTemporary(materialPath, updated.toBytes(), conf);
    try {
      check(kms, KeyMaterialFile.read(tmp, conf), next, changed);
      FaultInjection.at(FaultInjection.AFTER_WRITE, file);
      HadoopAtomicFiles.swap(tmp, materialPath, conf);
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
