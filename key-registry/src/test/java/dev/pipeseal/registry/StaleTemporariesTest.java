package dev.pipeseal.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local store's sweep of temporaries that crashed writers left (run by compaction). */
class StaleTemporariesTest {
  @TempDir Path dir;

  private Path file(String relative, Duration age) throws IOException {
    Path p = dir.resolve(RegistryLayout.KEYS).resolve(relative);
    Files.createDirectories(p.getParent());
    Files.write(p, new byte[] {1});
    Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(age)));
    return p;
  }

  @Test
  void removesOnlyOldTemporariesAtEveryLevel() throws IOException {
    Path oldInRecord =
        file("fc/fc8daab584d7c831/.2.json.87979d1de2873ef4.tmp", Duration.ofHours(2));
    Path oldInShard = file("fc/.x.tmp", Duration.ofHours(2));
    Path fresh = file("fc/fc8daab584d7c831/.3.json.0123456789abcdef.tmp", Duration.ZERO);
    Path published = file("fc/fc8daab584d7c831/2.json", Duration.ofHours(2));
    Path tooDeep = file("fc/fc8daab584d7c831/sub/.old.tmp", Duration.ofHours(2));
    try (LocalDirectoryStore store = new LocalDirectoryStore(dir)) {
      assertThat(store.removeStaleTemporaries(Duration.ofHours(1))).isEqualTo(2);
    }
    assertThat(oldInRecord).doesNotExist();
    assertThat(oldInShard).doesNotExist();
    assertThat(fresh).exists();
    assertThat(published).exists();
    assertThat(tooDeep).as("below the record directories: not the registry's").exists();
  }

  @Test
  void aRegistryWithoutKeysHasNothingToSweep() throws IOException {
    try (LocalDirectoryStore store = new LocalDirectoryStore(dir)) {
      assertThat(store.removeStaleTemporaries(Duration.ZERO)).isZero();
    }
  }
}
