package dev.pipeseal.jobs.lake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.registry.HadoopAtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a local lake the leftovers of interrupted swaps are found by walking the directories by name
 * (hidden files and directories included), not through Hadoop's per-file status listing.
 */
class InterruptedSwapsTest {
  @TempDir Path dir;

  @Test
  void localLakeRestoresTemporariesWhoseTargetIsGoneAndLeavesTheOthers() throws Exception {
    Path orphanTarget = dir.resolve("day=0/_KEY_MATERIAL_FOR_part-0.parquet.json");
    Path orphan = tmpFor(orphanTarget);
    Files.createDirectories(orphan.getParent());
    Files.writeString(orphan, "{\"new\":1}");

    Path kept = dir.resolve("day=1/_KEY_MATERIAL_FOR_part-1.parquet.json");
    Files.createDirectories(kept.getParent());
    Files.writeString(kept, "{\"old\":1}");
    Path stale = tmpFor(kept);
    Files.writeString(stale, "{\"unchecked\":1}");

    // A checkpoint batch file in a hidden directory, its swap cut after the delete.
    Path batchTarget = dir.resolve("_pipeseal/checkpoint-rotate/batch-0.done");
    Path batch = tmpFor(batchTarget);
    Files.createDirectories(batch.getParent());
    Files.writeString(batch, "x\n");

    assertThat(InterruptedSwaps.restore(dir.toString(), new Configuration()))
        .containsExactlyInAnyOrder("file:" + orphanTarget, "file:" + batchTarget);
    assertThat(Files.readString(orphanTarget)).isEqualTo("{\"new\":1}");
    assertThat(orphan).doesNotExist();
    assertThat(Files.readString(batchTarget)).isEqualTo("x\n");
    assertThat(Files.readString(kept)).isEqualTo("{\"old\":1}");
    assertThat(stale).exists(); // not this job's to judge: left for discard or an operator
  }

  private static Path tmpFor(Path target) {
    return Path.of(
        HadoopAtomicFiles.temporaryFor(new org.apache.hadoop.fs.Path(target.toUri())).toUri());
  }
}
