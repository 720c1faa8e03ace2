package dev.pipeseal.jobs.inventory;

import dev.pipeseal.jobs.lake.KeyMaterial;
import dev.pipeseal.jobs.lake.KeyMaterialFile;
import dev.pipeseal.jobs.lake.KeyUse;
import dev.pipeseal.jobs.lake.ParquetTail;
import dev.pipeseal.jobs.report.FileOutcome.FileInfo;
import java.io.IOException;
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
    if (!tail.encrypted()) {
      return new FileInfo("plaintext", null, null, null, null, List.of(), List.of());
    }
    LinkedHashMap<String, Object> footer =
        tail.footerKeyMaterial() == null
            ? new LinkedHashMap<>()
            : KeyMaterial.parseObject(tail.footerKeyMaterial(), file.toString());
    List<KeyUse> keys = new ArrayList<>();
    String storage;
    if (KeyMaterial.isExternal(footer)) {
      storage = "external";
      keys.addAll(KeyMaterialFile.read(KeyMaterialFile.of(file), conf).keys());
    } else {
      storage = "internal";
      if (!footer.isEmpty()) {
        keys.add(KeyMaterial.describe("footer", footer, storage));
      }
      for (int i = 0; i < tail.columnKeyMaterial().size(); i++) {
        String m = tail.columnKeyMaterial().get(i);
        if (m != null) {
          keys.add(
              KeyMaterial.describe(
                  tail.columns().get(i), KeyMaterial.parseObject(m, file.toString()), storage));
        }
      }
    }
    return new FileInfo(
        "pme", tail.footerMode(), tail.algorithm(), tail.table(), storage, tail.columns(), keys);
  }
}
