package dev.pipeseal.jobs.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LakeListingTest {
  @TempDir Path dir;

  @Test
  void localLakesListVisibleFilesSortedAndQualifiedSkippingHiddenNames() throws Exception {
    for (String f :
        new String[] {
          "day=1/part-1.parquet",
          "day=0/part-0.parquet",
          "day=0/_KEY_MATERIAL_FOR_part-0.parquet.json",
          "day=0/.part-0.parquet.crc",
          "_pipeseal/checkpoint-rotate/run.id",
          "day=0/.tmp/part-9.parquet",
          "part-2.parquet"
        }) {
      Path p = dir.resolve(f);
      Files.createDirectories(p.getParent());
      Files.writeString(p, "x");
    }
    assertThat(LakeListing.dataFiles(dir.toString(), new Configuration()))
        .containsExactly(
            "file:" + dir.resolve("day=0/part-0.parquet"),
            "file:" + dir.resolve("day=1/part-1.parquet"),
            "file:" + dir.resolve("part-2.parquet"));
  }
}
