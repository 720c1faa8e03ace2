package dev.pipeseal.registry;

import static dev.pipeseal.registry.FileKeyRegistryTest.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryConflictException;
import dev.pipeseal.kms.registry.RegistryRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hadoop FileSystem store, on Hadoop's local file system. */
class HadoopFileSystemStoreTest {
  @TempDir Path dir;

  private KeyRegistry open() {
    return KeyRegistries.open(
        dir.toUri().toString(), Map.of(RegistryConfig.STORE.name(), "hadoop"));
  }

  @Test
  void registersReplacesListsAndCompacts() {
    try (KeyRegistry registry = open()) {
      KeyId id = registry.register(key("a", "1", 1));
      RegistryRecord first = registry.read(id).orElseThrow();
      RegistryRecord second = registry.replace(first, key("a", "2", 1));
      assertThatThrownBy(() -> registry.replace(first, key("a", "3", 1)))
          .isInstanceOf(RegistryConflictException.class);
      assertThat(registry.list("a", "2").map(RegistryRecord::id)).containsExactly(id);
      assertThat(registry.compact()).isEqualTo(1);
      assertThat(registry.read(id).orElseThrow()).isEqualTo(second);
    }
    // Same layout as the local store, no checksum side files: either store reads the other's.
    try (KeyRegistry local = KeyRegistries.open(dir)) {
      assertThat(local.list().count()).isEqualTo(1);
    }
    try (var files = walk()) {
      assertThat(files.filter(p -> p.getFileName().toString().endsWith(".crc"))).isEmpty();
    }
  }

  @Test
  void concurrentWritersNeverLoseRecords() throws Exception {
    Map<KeyId, WrappedKey> written = new ConcurrentHashMap<>();
    try (KeyRegistry a = open();
        KeyRegistry b = KeyRegistries.open(dir)) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        KeyRegistry registry = t % 2 == 0 ? a : b;
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 50; i++) {
                    WrappedKey k = key("k", "1", thread * 100 + i);
                    written.put(registry.register(k), k);
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      pool.shutdown();
      assertThat(a.ids().collect(Collectors.toSet())).isEqualTo(written.keySet());
      for (var e : written.entrySet()) {
        assertThat(a.read(e.getKey()).orElseThrow().wrapped()).isEqualTo(e.getValue());
      }
    }
    assertThat(written).hasSize(200);
  }

  private java.util.stream.Stream<Path> walk() {
    try {
      return Files.walk(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
