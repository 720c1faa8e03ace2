package dev.pipeseal.jobs.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  @TempDir Path dir;
  private final Configuration conf = new Configuration();

  @Test
  void resumesTheSameRunAndRefusesAnother() throws Exception {
    String cp = dir.resolve("cp").toString();
    Checkpoint first = Checkpoint.open(cp, "rotate /lake", false, conf);
    first.commit(List.of("file:/lake/a", "file:/lake/b"));
    first.commit(List.of("file:/lake/c"));

    Checkpoint again = Checkpoint.open(cp, "rotate /lake", false, conf);
    assertThat(again.size()).isEqualTo(3);
    assertThat(again.isDone("file:/lake/c")).isTrue();
    again.commit(List.of("file:/lake/d")); // numbered after the existing batches
    assertThat(Checkpoint.open(cp, "rotate /lake", false, conf).size()).isEqualTo(4);

    assertThatThrownBy(() -> Checkpoint.open(cp, "reencrypt /lake", false, conf))
        .isInstanceOf(Checkpoint.CheckpointMismatchException.class)
        .hasMessageContaining("--restart");
    assertThat(Checkpoint.open(cp, "reencrypt /lake", true, conf).size()).isZero();
  }

  @Test
  void finishRemovesTheDirectory() throws Exception {
    Path cp = dir.resolve("cp");
    Checkpoint c = Checkpoint.open(cp.toString(), "verify /lake", false, conf);
    c.commit(List.of("file:/lake/a"));
    c.finish();
    assertThat(Files.exists(cp)).isFalse();
  }
}
