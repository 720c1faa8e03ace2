package dev.pipeseal.jobs.inventory;

import dev.pipeseal.jobs.lake.CorruptFileException;
import dev.pipeseal.jobs.lake.ExplicitKeys;
import dev.pipeseal.jobs.lake.KeyMaterial;
import dev.pipeseal.jobs.lake.KeyMaterialFile;
import dev.pipeseal.jobs.lake.KeyUse;
import dev.pipeseal.jobs.lake.ParquetTail;
import dev.pipeseal.jobs.report.FileOutcome.FileInfo;
import dev.pipeseal.parquet.crypto.TableBinding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** Describes one file without any key. */
public final class FileInspector {
  private FileInspector() {}

  /**
   * @throws dev.pipeseal.jobs.lake.CorruptFileException if the file or its key material is not well
   *     formed, or external key material is missing
   */
  public static FileInfo inspect(Path file, ParquetTail tail, Configuration conf)
      throws IOException {
    return inspect(
        file,
        tail,
        hasExternalKeyMaterial(file, tail)
            ? KeyMaterialFile.read(KeyMaterialFile.of(file), conf)
            : null);
  }

  /** Whether the file's keys are in an external key material file beside it. */
  public static boolean hasExternalKeyMaterial(Path file, ParquetTail tail)
      throws CorruptFileException {
    return tail.encrypted()
        && tail.footerKeyMaterial() != null
        && !ExplicitKeys.isKeyId(tail.footerKeyMaterial())
        && KeyMaterial.isExternal(
            KeyMaterial.parseObject(tail.footerKeyMaterial(), file.toString()));
  }

  /**
   * As {@link #inspect(Path, ParquetTail, Configuration)} with the external key material file
   * already read ({@code external}; null when {@link #hasExternalKeyMaterial} is false).
   */
  public static FileInfo inspect(Path file, ParquetTail tail, KeyMaterialFile external)
      throws CorruptFileException {
    if (!tail.encrypted()) {
      return new FileInfo("plaintext", null, null, null, null, List.of(), List.of());
    }
    if (ExplicitKeys.isKeyId(tail.footerKeyMaterial())) {
      return withBinding(explicit(tail), tail);
    }
    LinkedHashMap<String, Object> footer =
        tail.footerKeyMaterial() == null
            ? new LinkedHashMap<>()
            : KeyMaterial.parseObject(tail.footerKeyMaterial(), file.toString());
    List<KeyUse> keys = new ArrayList<>();
    String storage;
    if (KeyMaterial.isExternal(footer)) {
      storage = "external";
      keys.addAll(external.keys());
    } else {
      storage = "internal";
      if (!footer.isEmpty()) {
        keys.add(KeyMaterial.describe("footer", footer, storage));
      }
      for (int i = 0; i < tail.columnKeyMaterial().size(); i++) {
        String m = tail.columnKeyMaterial().get(i);
        if (ExplicitKeys.isKeyId(m)) {
          keys.add(ExplicitKeys.use(tail.columns().get(i), m)); // a foreign writer's column key
        } else if (m != null) {
          keys.add(
              KeyMaterial.describe(
                  tail.columns().get(i), KeyMaterial.parseObject(m, file.toString()), storage));
        }
      }
    }
    return withBinding(
        new FileInfo(
            "pme", tail.footerMode(), tail.algorithm(), null, storage, tail.columns(), keys),
        tail);
  }

  /**
   * Splits the AAD prefix into our table binding ({@link FileInfo#table}) or another writer's
   * prefix ({@link FileInfo#aadPrefix}).
   */
  private static FileInfo withBinding(FileInfo info, ParquetTail tail) {
    if (tail.table() == null) {
      return info;
    }
    String table = TableBinding.tableId(tail.table().getBytes(StandardCharsets.UTF_8));
    if (table == null) {
      return info.withAadPrefix(tail.table());
    }
    return new FileInfo(
            info.kind(),
            info.footerMode(),
            info.algorithm(),
            table,
            info.keyMaterial(),
            info.encryptedColumns(),
            info.keys())
        .withCells(info.cells());
  }

  /**
   * A file written with explicit keys: the footer key id, and with a plaintext footer every column
   * key id (an encrypted footer hides the columns' key ids until it is decrypted).
   */
  private static FileInfo explicit(ParquetTail tail) {
    List<KeyUse> keys = new ArrayList<>();
    keys.add(ExplicitKeys.use("footer", tail.footerKeyMaterial()));
    for (int i = 0; i < tail.columnKeyMaterial().size(); i++) {
      String m = tail.columnKeyMaterial().get(i);
      if (m != null) {
        keys.add(ExplicitKeys.use(tail.columns().get(i), m));
      }
    }
    return new FileInfo(
        "pme",
        tail.footerMode(),
        tail.algorithm(),
        null,
        ExplicitKeys.STORAGE,
        tail.columns(),
        keys);
  }
}
