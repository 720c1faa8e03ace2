package dev.pipeseal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.kms.registry.CorruptRecordException;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named aliases: published create-if-absent through the store, first writer wins. */
class RegistryAliasTest {
  @TempDir Path dir;

  @Test
  void firstWriterWinsAndLayoutIsStable() throws Exception {
    try (KeyRegistry registry = KeyRegistries.open(dir)) {
      KeyId a = registry.register(FileKeyRegistryTest.key("pii", "1", 1));
      KeyId b = registry.register(FileKeyRegistryTest.key("pii", "1", 2));
      assertThat(registry.alias("deterministic/pii")).isEmpty();
      assertThat(registry.aliasIfAbsent("deterministic/pii", a)).isEqualTo(a);
      assertThat(registry.aliasIfAbsent("deterministic/pii", b)).isEqualTo(a);
      assertThat(registry.alias("deterministic/pii")).contains(a);
      // The layout Spark's deterministic columns have always used.
      assertThat(dir.resolve("aliases/deterministic/pii.id")).hasContent(a.hex() + "\n");
      // Registry listings ignore aliases.
      assertThat(registry.ids()).containsExactlyInAnyOrder(a, b);
    }
  }

  @Test
  void racingRegistriesAgreeOnOneId() throws Exception {
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<KeyRegistry> registries = new ArrayList<>();
    try {
      List<Callable<KeyId>> tasks = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        KeyRegistry r = KeyRegistries.open(dir);
        registries.add(r);
        KeyId mine = r.register(FileKeyRegistryTest.key("embed", "1", 10 + i));
        tasks.add(() -> r.aliasIfAbsent("deterministic/embed", mine));
      }
      List<KeyId> winners = new ArrayList<>();
      for (Future<KeyId> f : pool.invokeAll(tasks)) {
        winners.add(f.get());
      }
      assertThat(winners).hasSize(writers).containsOnly(winners.get(0));
      try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("aliases/deterministic"))) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("embed.id");
      }
    } finally {
      pool.shutdownNow();
      registries.forEach(KeyRegistry::close);
    }
  }

  @Test
  void corruptOrUnsafeAliasesFailClosed() throws Exception {
    try (KeyRegistry registry = KeyRegistries.open(dir)) {
      Files.createDirectories(dir.resolve("aliases/deterministic"));
      Files.writeString(
          dir.resolve("aliases/deterministic/bad.id"), "not-an-id\n", StandardCharsets.US_ASCII);
      assertThatThrownBy(() -> registry.alias("deterministic/bad"))
          .isInstanceOf(CorruptRecordException.class)
          .hasMessageContaining("deterministic/bad");
      KeyId id = registry.register(FileKeyRegistryTest.key("pii", "1", 3));
      assertThatThrownBy(() -> registry.aliasIfAbsent("../keys/escape", id))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("alias name");
      assertThat(dir.resolve("keys/escape.id")).doesNotExist();
    }
  }

  @Test
  void hadoopStoreSharesTheLayout() throws Exception {
    try (KeyRegistry local = KeyRegistries.open(dir);
        KeyRegistry hadoop =
            KeyRegistries.open(
                dir.toUri().toString(), Map.of(RegistryConfig.STORE.name(), "hadoop"))) {
      KeyId a = local.register(FileKeyRegistryTest.key("pii", "1", 4));
      KeyId b = hadoop.register(FileKeyRegistryTest.key("pii", "1", 5));
      assertThat(hadoop.aliasIfAbsent("deterministic/pii", b)).isEqualTo(b);
      assertThat(local.aliasIfAbsent("deterministic/pii", a)).isEqualTo(b);
      assertThat(local.alias("deterministic/pii")).contains(b);
    }
  }
}
