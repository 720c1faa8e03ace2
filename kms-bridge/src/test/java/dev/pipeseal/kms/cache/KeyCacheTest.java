package dev.pipeseal.kms.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.key.DataKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KeyCacheTest {
  @Test
  void churnUnderContentionNeverHandsOutDestroyedKeysAndLeaksNone() throws Exception {
    List<DataKey> loaded = new CopyOnWriteArrayList<>();
    AtomicInteger removals = new AtomicInteger();
    KeyCache<Integer> cache =
        new KeyCache<>(
            4, Duration.ofMinutes(1), System::nanoTime, (k, r) -> removals.incrementAndGet());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> tasks = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) {
        tasks.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 5_000; i++) {
                    int id = ThreadLocalRandom.current().nextInt(16);
                    try (DataKey k =
                        cache
                            .get(
                                id,
                                key -> {
                                  DataKey fresh = DataKey.generate();
                                  loaded.add(fresh);
                                  return CompletableFuture.completedFuture(fresh);
                                })
                            .join()) {
                      assertThat(k.isDestroyed()).isFalse();
                      k.withMaterial(m -> m.length); // usable while held
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : tasks) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    CacheStats stats = cache.stats();
    assertThat(stats.hits() + stats.misses()).isGreaterThanOrEqualTo(40_000);
    assertThat(stats.size()).isLessThanOrEqualTo(4);
    cache.close();
    assertThat(loaded).allSatisfy(k -> assertThat(k.isDestroyed()).isTrue());
    assertThat(removals.get()).isEqualTo(loaded.size());
  }
}
