package dev.pipeseal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.registry.CorruptRecordException;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryConflictException;
import dev.pipeseal.kms.registry.RegistryException;
import dev.pipeseal.kms.registry.RegistryRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileKeyRegistryTest {
  @TempDir Path dir;

  static WrappedKey key(String name, String version, int seed) {
    byte[] bytes = new byte[60];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (seed * 31 + i);
    }
    return new WrappedKey("test", name, version, "TEST-ALG", bytes);
  }

  @Test
  void registersReadsAndLaysOutOneFilePerGeneration() throws IOException {
    try (KeyRegistry registry = KeyRegistries.open(dir)) {
      WrappedKey k = key("orders", "1", 7);
      KeyId id = registry.register(k);
      RegistryRecord r = registry.get(id).orElseThrow();
      assertThat(r.wrapped()).isEqualTo(k);
      assertThat(r.generation()).isEqualTo(1);
      assertThat(r.created()).isEqualTo(r.written());

      Path file = dir.resolve("keys").resolve(id.hex().substring(0, 2)).resolve(id.hex());
      assertThat(file.resolve("1.json")).exists();
      String json = Files.readString(file.resolve("1.json"), StandardCharsets.UTF_8);
      assertThat(json)
          .startsWith("{\"rv\":1,\"id\":\"" + id.hex() + "\",\"generation\":1,\"created\":\"")
          .contains("\"masterKey\":\"orders\",\"masterKeyVersion\":\"1\"")
          .endsWith("\"}\n");
      assertThat(registry.get(KeyId.random())).isEmpty();
    }
    // Reopened, without the cache.
    try (KeyRegistry registry = KeyRegistries.open(dir)) {
      assertThat(registry.ids().count()).isEqualTo(1);
    }
  }

  @Test
  void keyIdRoundTrips() {
    KeyId id = new KeyId(0x0102030405060708L);
    assertThat(id.hex()).isEqualTo("0102030405060708");
    assertThat(id.toBytes()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(KeyId.fromBytes(id.toBytes())).isEqualTo(id);
    assertThat(KeyId.parse("ffffffffffffffff")).isEqualTo(new KeyId(-1));
    assertThatThrownBy(() -> KeyId.parse("abc")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void concurrentWritersInTwoRegistriesNeverLoseOrCorruptRecords() throws Exception {
    int threads = 8;
    int perThread = 150;
    Map<KeyId, WrappedKey> written = new ConcurrentHashMap<>();
    try (KeyRegistry a = KeyRegistries.open(dir);
        KeyRegistry b = KeyRegistries.open(dir)) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        KeyRegistry registry = t % 2 == 0 ? a : b;
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perThread; i++) {
                    WrappedKey k = key("k" + thread, "1", thread * 1000 + i);
                    assertThat(written.put(registry.register(k), k)).isNull();
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get();
      }
      pool.shutdown();
    }
    assertThat(written).hasSize(threads * perThread);
    try (KeyRegistry fresh = KeyRegistries.open(dir)) {
      assertThat(fresh.ids().collect(Collectors.toSet())).isEqualTo(written.keySet());
      for (Map.Entry<KeyId, WrappedKey> e : written.entrySet()) {
        assertThat(fresh.read(e.getKey()).orElseThrow().wrapped()).isEqualTo(e.getValue());
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp"))).isEmpty();
    }
  }

  @Test
  void racingReplacementsPublishEachGenerationExactlyOnce() throws Exception {
    try (KeyRegistry a = KeyRegistries.open(dir);
        KeyRegistry b = KeyRegistries.open(dir)) {
      KeyId id = a.register(key("orders", "1", 0));
      AtomicInteger wins = new AtomicInteger();
      AtomicInteger conflicts = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(6);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        KeyRegistry registry = t % 2 == 0 ? a : b;
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 30; i++) {
                    RegistryRecord current = registry.read(id).orElseThrow();
                    try {
                      registry.replace(current, key("orders", "2", thread * 100 + i));
                      wins.incrementAndGet();
                    } catch (RegistryConflictException e) {
                      conflicts.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      pool.shutdown();
      RegistryRecord last = a.read(id).orElseThrow();
      assertThat(last.generation()).isEqualTo(1 + wins.get());
      assertThat(wins.get() + conflicts.get()).isEqualTo(180);
      assertThat(wins.get()).isPositive();
    }
  }

  @Test
  void replaceKeepsPreviousGenerationUntilCompaction() throws IOException {
    try (KeyRegistry registry = KeyRegistries.open(dir)) {
      KeyId id = registry.register(key("orders", "1", 1));
      RegistryRecord first = registry.get(id).orElseThrow();
      RegistryRecord second = registry.replace(first, key("orders", "2", 1));
      assertThat(second.generation()).isEqualTo(2);
      assertThat(second.created()).isEqualTo(first.created());
      assertThat(registry.get(id).orElseThrow()).isEqualTo(second);
      Path idDir = dir.resolve("keys").resolve(id.hex().substring(0, 2)).resolve(id.hex());
      assertThat(idDir.resolve("1.json")).exists();
      assertThat(idDir.resolve("2.json")).exists();

      assertThatThrownBy(() -> registry.replace(first, key("orders", "3", 1)))
          .isInstanceOf(RegistryConflictException.class)
          .hasMessageContaining(id.hex());

      assertThat(registry.compact()).isEqualTo(1);
      assertThat(idDir.resolve("1.json")).doesNotExist();
      assertThat(registry.read(id).orElseThrow()).isEqualTo(second);
    }
  }

  @Test
  void crashBeforePublishLeavesPreviousGenerationReadable() throws IOException {
    KeyId id;
    try (KeyRegistry registry = KeyRegistries.open(dir)) {
      id = registry.register(key("orders", "1", 1));
    }
    FileKeyRegistry crashing =
        new FileKeyRegistry(
            new LocalDirectoryStore(
                dir,
                temporary -> {
                  // Simulates a process dying after the temporary file is durable: it stays.
                  Files.copy(temporary, temporary.resolveSibling(".crashed.tmp"));
                  throw new IOException("simulated crash");
                }),
            0);
    RegistryRecord first = crashing.read(id).orElseThrow();
    assertThatThrownBy(() -> crashing.replace(first, key("orders", "2", 1)))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining(id.hex());

    try (KeyRegistry reopened = KeyRegistries.open(dir)) {
      RegistryRecord r = reopened.read(id).orElseThrow();
      assertThat(r.generation()).isEqualTo(1);
      assertThat(r.wrapped()).isEqualTo(key("orders", "1", 1));
      Path leftover =
          dir.resolve("keys")
              .resolve(id.hex().substring(0, 2))
              .resolve(id.hex())
              .resolve(".crashed.tmp");
      assertThat(leftover).exists();
      assertThat(reopened.compact()).isZero(); // too young: a live writer may own it
      Files.setLastModifiedTime(leftover, FileTime.from(Instant.now().minusSeconds(7200)));
      assertThat(reopened.compact()).isEqualTo(1);
      assertThat(leftover).doesNotExist();
      // The rewrap can simply be retried.
      assertThat(reopened.replace(r, key("orders", "2", 1)).generation()).isEqualTo(2);
    }
  }

  @Test
  void crashAfterPublishLeavesBothGenerationsAndReadersTakeTheNewest() throws IOException {
    KeyId id;
    try (KeyRegistry registry = KeyRegistries.open(dir)) {
      id = registry.register(key("orders", "1", 1));
      RegistryRecord first = registry.read(id).orElseThrow();
      // Step one of a rewrap only (publish); the process "dies" before compaction.
      registry.replace(first, key("orders", "2", 1));
    }
    try (KeyRegistry reopened = KeyRegistries.open(dir)) {
      assertThat(reopened.read(id).orElseThrow().wrapped().masterKeyVersion()).isEqualTo("2");
    }
  }

  @Test
  void corruptRecordIsATypedErrorNamingTheIdAndCompactionKeepsOlderGenerations()
      throws IOException {
    try (KeyRegistry registry = KeyRegistries.open(dir)) {
      KeyId id = registry.register(key("orders", "1", 1));
      registry.replace(registry.read(id).orElseThrow(), key("orders", "2", 1));
      Path idDir = dir.resolve("keys").resolve(id.hex().substring(0, 2)).resolve(id.hex());
      Files.writeString(idDir.resolve("2.json"), "{\"rv\":1,\"id\":\"trunc");
      assertThatThrownBy(() -> registry.read(id))
          .isInstanceOf(CorruptRecordException.class)
          .hasMessageContaining(id.hex())
          .hasMessageContaining("generation 2");
      assertThatThrownBy(registry::compact).isInstanceOf(CorruptRecordException.class);
      assertThat(idDir.resolve("1.json")).exists();

      // A well-formed record under the wrong name is corrupt too.
      KeyId other = registry.register(key("orders", "1", 2));
      Path otherFile =
          dir.resolve("keys")
              .resolve(other.hex().substring(0, 2))
              .resolve(other.hex())
              .resolve("1.json");
      Files.copy(
          idDir.resolve("1.json"), otherFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertThatThrownBy(() -> registry.read(other))
          .isInstanceOf(CorruptRecordException.class)
          .hasMessageContaining(other.hex());
    }
  }

  @Test
  void retriesOnIdCollisionIncludingCompactedIds() throws IOException {
    KeyId taken = new KeyId(42);
    KeyId compacted = new KeyId(43);
    KeyId free = new KeyId(44);
    LocalDirectoryStore store = new LocalDirectoryStore(dir);
    try (FileKeyRegistry seed = new FileKeyRegistry(store, 0, () -> taken)) {
      seed.register(key("a", "1", 1));
    }
    try (FileKeyRegistry seed =
        new FileKeyRegistry(new LocalDirectoryStore(dir), 0, () -> compacted)) {
      seed.register(key("a", "1", 2));
      seed.replace(seed.read(compacted).orElseThrow(), key("a", "2", 2));
      seed.compact();
    }
    List<KeyId> sequence = new ArrayList<>(List.of(taken, compacted, free));
    try (FileKeyRegistry registry =
        new FileKeyRegistry(new LocalDirectoryStore(dir), 0, () -> sequence.remove(0))) {
      assertThat(registry.register(key("b", "1", 3))).isEqualTo(free);
      assertThat(registry.read(taken).orElseThrow().wrapped()).isEqualTo(key("a", "1", 1));
      RegistryRecord c = registry.read(compacted).orElseThrow();
      assertThat(c.generation()).isEqualTo(2);
      assertThat(c.wrapped()).isEqualTo(key("a", "2", 2));
      assertThat(store.generations(compacted)).containsExactly(2L);
    }
  }

  @Test
  void listsByMasterKeyAndVersion() {
    try (KeyRegistry registry = KeyRegistries.open(dir)) {
      KeyId a1 = registry.register(key("a", "1", 1));
      KeyId a2 = registry.register(key("a", "2", 2));
      KeyId b1 = registry.register(key("b", "1", 3));
      assertThat(registry.list().map(RegistryRecord::id)).containsExactlyInAnyOrder(a1, a2, b1);
      assertThat(registry.list("a", null).map(RegistryRecord::id))
          .containsExactlyInAnyOrder(a1, a2);
      assertThat(registry.list("a", "2").map(RegistryRecord::id)).containsExactly(a2);
      assertThat(registry.list("c", null)).isEmpty();
      RegistryRecord rewrapped = registry.rewrap(a1, w -> key(w.masterKeyName(), "2", 1));
      assertThat(rewrapped.generation()).isEqualTo(2);
      assertThat(registry.list("a", "2").map(RegistryRecord::id)).containsExactlyInAnyOrder(a1, a2);
      // No-op rewrap writes nothing.
      assertThat(registry.rewrap(b1, w -> w).generation()).isEqualTo(1);
    }
  }

  @Test
  void configParsesLocationsAndRejectsBadValues() {
    assertThat(RegistryConfig.parse("rel/dir", Map.of()).store())
        .isEqualTo(RegistryConfig.Store.LOCAL);
    assertThat(RegistryConfig.parse("file:///tmp/x", Map.of()).store())
        .isEqualTo(RegistryConfig.Store.LOCAL);
    assertThat(RegistryConfig.parse("hdfs://nn:8020/reg", Map.of()).store())
        .isEqualTo(RegistryConfig.Store.HADOOP);
    assertThat(
            RegistryConfig.parse("file:///tmp/x", Map.of(RegistryConfig.STORE.name(), "hadoop"))
                .store())
        .isEqualTo(RegistryConfig.Store.HADOOP);
    assertThat(RegistryConfig.parse("/x", Map.of()).cacheSize())
        .isEqualTo(RegistryConfig.DEFAULT_CACHE_SIZE);
    assertThatThrownBy(() -> RegistryConfig.parse("/x", Map.of(RegistryConfig.STORE.name(), "nfs")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> RegistryConfig.parse("/x", Map.of(RegistryConfig.CACHE_SIZE.name(), "-1")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> RegistryConfig.parse("hdfs://nn/x", Map.of(RegistryConfig.STORE.name(), "local")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void configCacheSizeKebabNameAndDeprecatedAlias() {
    assertThat(RegistryConfig.parse("/x", Map.of("registry.cache-size", "7")).cacheSize())
        .isEqualTo(7);
    assertThat(RegistryConfig.parse("/x", Map.of("registry.cacheSize", "8")).cacheSize())
        .isEqualTo(8);
    assertThatThrownBy(() -> RegistryConfig.parse("/x", Map.of("registry.cache-sise", "8")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nearest valid name: 'registry.cache-size'");
  }

  @Test
  void ignoresForeignFilesInTheLayout() throws IOException {
    try (KeyRegistry registry = KeyRegistries.open(dir)) {
      KeyId id = registry.register(key("a", "1", 1));
      Path idDir = dir.resolve("keys").resolve(id.hex().substring(0, 2)).resolve(id.hex());
      Files.writeString(idDir.resolve("notes.txt"), "x");
      Files.writeString(idDir.resolve("01.json"), "x");
      Files.createDirectories(dir.resolve("keys").resolve("zz").resolve("not-an-id"));
      assertThat(registry.ids().collect(Collectors.toSet())).isEqualTo(Set.of(id));
      assertThat(registry.read(id).orElseThrow().generation()).isEqualTo(1);
    }
  }
}
