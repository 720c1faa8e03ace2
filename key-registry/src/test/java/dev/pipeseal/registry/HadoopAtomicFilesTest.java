package dev.pipeseal.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Swaps on Hadoop's local file system, with directory forces deferred to a batch. */
class HadoopAtomicFilesTest {
  @TempDir Path dir;

  private final Configuration conf = new Configuration();

  private org.apache.hadoop.fs.Path swap(
      Path target, String text, HadoopAtomicFiles.DirectoryForces later) throws Exception {
    org.apache.hadoop.fs.Path t = new org.apache.hadoop.fs.Path(target.toUri());
    org.apache.hadoop.fs.Path tmp =
        HadoopAtomicFiles.writeTemporary(t, text.getBytes(StandardCharsets.UTF_8), conf);
    HadoopAtomicFiles.swap(tmp, t, conf, later);
    return t;
  }

  @Test
  void deferredSwapsListEachDirectoryOnceUntilForced() throws Exception {
    Files.createDirectories(dir.resolve("a"));
    Files.createDirectories(dir.resolve("b"));
    HadoopAtomicFiles.DirectoryForces later = new HadoopAtomicFiles.DirectoryForces();
    swap(dir.resolve("a/1.json"), "one", later);
    swap(dir.resolve("a/2.json"), "two", later);
    swap(dir.resolve("b/3.json"), "three", later);
    // Renamed at once (readers see the new files); only the directory forces wait.
    assertThat(Files.readString(dir.resolve("a/1.json"))).isEqualTo("one");
    assertThat(Files.readString(dir.resolve("b/3.json"))).isEqualTo("three");
    assertThat(later.pending()).isEqualTo(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      later.force(pool);
    } finally {
      pool.shutdownNow();
    }
    assertThat(later.pending()).isZero();
    swap(dir.resolve("a/1.json"), "one again", null); // forced at once: nothing left pending
    assertThat(later.pending()).isZero();
    try (Stream<Path> s = Files.walk(dir)) {
      assertThat(s.filter(p -> p.getFileName().toString().endsWith(".pipeseal-tmp"))).isEmpty();
    }
  }

  @Test
  void aStaleChecksumSidecarIsRemovedAndNoneIsCreated() throws Exception {
    // A file Hadoop's checksummed local file system wrote has a sidecar; after the swap it must not
    // describe the old bytes (reads would fail), and files without one get none.
    FileSystem fs = FileSystem.getLocal(conf);
    org.apache.hadoop.fs.Path withSidecar =
        new org.apache.hadoop.fs.Path(dir.resolve("c.json").toUri());
    try (var out = fs.create(withSidecar)) {
      out.write("old".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(Files.exists(dir.resolve(".c.json.crc"))).isTrue();
    swap(dir.resolve("c.json"), "new bytes", new HadoopAtomicFiles.DirectoryForces());
    assertThat(Files.exists(dir.resolve(".c.json.crc"))).isFalse();
    try (FSDataInputStream in = fs.open(withSidecar)) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("new bytes");
    }
    swap(dir.resolve("d.json"), "fresh", null);
    assertThat(Files.exists(dir.resolve(".d.json.crc"))).isFalse();
  }
}
