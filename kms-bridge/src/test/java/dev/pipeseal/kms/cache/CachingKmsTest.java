package dev.pipeseal.kms.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.fake.FakeKms;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CachingKmsTest {
  private final AtomicLong clock = new AtomicLong();
  private final List<String> removals = new CopyOnWriteArrayList<>();

  private CachingKms cache(FakeKms fake, int maxEntries, Duration ttl) {
    return new CachingKms(
        fake,
        new CacheConfig(maxEntries, ttl, Duration.ofSeconds(30)),
        clock::get,
        (key, reason) -> removals.add(key.masterKeyVersion() + ":" + reason),
        false);
  }

  private static WrappedKey wrap(FakeKms fake) {
    try (DataKeyPair pair = fake.generateDataKey("pii").toCompletableFuture().join()) {
      return pair.wrapped();
    }
  }

  private static DataKey get(CachingKms kms, WrappedKey w) {
    return kms.unwrap(w).toCompletableFuture().join();
  }

  @Test
  void singleFlightManyThreadsOneInnerCall() throws Exception {
    FakeKms fake = new FakeKms("pii");
    WrappedKey w = wrap(fake);
    try (CachingKms kms = cache(fake, 10, Duration.ofMinutes(1))) {
      fake.hold();
      int threads = 16;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<CompletableFuture<DataKey>>> calls = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        calls.add(
            pool.submit(
                () -> {
                  start.await();
                  return kms.unwrap(w).toCompletableFuture();
                }));
      }
      start.countDown();
      List<DataKey> keys = new ArrayList<>();
      List<CompletableFuture<DataKey>> pending = new ArrayList<>();
      for (Future<CompletableFuture<DataKey>> f : calls) {
        pending.add(f.get(30, TimeUnit.SECONDS));
      }
      fake.release();
      for (CompletableFuture<DataKey> f : pending) {
        keys.add(f.get(30, TimeUnit.SECONDS));
      }
      pool.shutdown();
      assertThat(fake.calls("unwrap")).isEqualTo(1);
      assertThat(keys).allSatisfy(k -> assertThat(k).isSameAs(keys.get(0)));
      assertThat(keys.get(0).referenceCount()).isEqualTo(threads + 1);
      assertThat(kms.stats().misses()).isEqualTo(1);
      assertThat(kms.stats().hits()).isEqualTo(threads - 1);
      keys.forEach(DataKey::close);
      assertThat(keys.get(0).isDestroyed()).isFalse(); // the cache still holds it
    }
  }

  @Test
  void hitsAndMissesCounted() {
    FakeKms fake = new FakeKms("pii");
    WrappedKey a = wrap(fake);
    WrappedKey b = wrap(fake);
    try (CachingKms kms = cache(fake, 10, Duration.ofMinutes(1))) {
      get(kms, a).close();
      get(kms, a).close();
      get(kms, b).close();
      get(kms, a).close();
      assertThat(kms.stats()).isEqualTo(new CacheStats(2, 2, 0, 0, 2));
      assertThat(fake.calls("unwrap")).isEqualTo(2);
    }
  }

  @Test
  void ttlExpiryDestroysKeys() {
    FakeKms fake = new FakeKms("pii");
    WrappedKey w = wrap(fake);
    try (CachingKms kms = cache(fake, 10, Duration.ofSeconds(10))) {
      DataKey first = get(kms, w);
      first.close();
      assertThat(first.isDestroyed()).isFalse();
      clock.addAndGet(Duration.ofSeconds(11).toNanos());
      kms.cleanUp();
      assertThat(first.isDestroyed()).isTrue();
      assertThat(kms.stats().expirations()).isEqualTo(1);
      assertThat(removals).containsExactly("1:expired");
      try (DataKey second = get(kms, w)) {
        assertThat(second).isNotSameAs(first);
      }
      assertThat(fake.calls("unwrap")).isEqualTo(2);
    }
  }

  @Test
  void lazyExpiryOnLookup() {
    FakeKms fake = new FakeKms("pii");
    WrappedKey w = wrap(fake);
    try (CachingKms kms = cache(fake, 10, Duration.ofSeconds(10))) {
      DataKey first = get(kms, w);
      first.close();
      clock.addAndGet(Duration.ofSeconds(10).toNanos());
      get(kms, w).close();
      assertThat(first.isDestroyed()).isTrue();
      assertThat(kms.stats().misses()).isEqualTo(2);
    }
  }

  @Test
  void sizeEvictionDestroysLeastRecentlyUsed() {
    FakeKms fake = new FakeKms("pii");
    WrappedKey a = wrap(fake);
    WrappedKey b = wrap(fake);
    WrappedKey c = wrap(fake);
    try (CachingKms kms = cache(fake, 2, Duration.ofMinutes(1))) {
      DataKey ka = get(kms, a);
      DataKey kb = get(kms, b);
      ka.close();
      kb.close();
      get(kms, a).close(); // a is now most recently used
      DataKey kc = get(kms, c);
      assertThat(kb.isDestroyed()).isTrue();
      assertThat(ka.isDestroyed()).isFalse();
      assertThat(kms.stats().evictions()).isEqualTo(1);
      assertThat(removals).containsExactly("1:evicted");
      kc.close();
    }
    assertThat(fake.closed).isTrue();
  }

  @Test
  void keyHeldByCallerOutlivesEvictionThenDies() {
    FakeKms fake = new FakeKms("pii");
    WrappedKey a = wrap(fake);
    WrappedKey b = wrap(fake);
    try (CachingKms kms = cache(fake, 1, Duration.ofMinutes(1))) {
      DataKey held = get(kms, a);
      get(kms, b).close();
      assertThat(held.isDestroyed()).isFalse();
      held.close();
      assertThat(held.isDestroyed()).isTrue();
    }
  }

  @Test
  void closeDestroysEverything() {
    FakeKms fake = new FakeKms("pii");
    WrappedKey a = wrap(fake);
    CachingKms kms = cache(fake, 10, Duration.ofMinutes(1));
    DataKey k = get(kms, a);
    k.close();
    kms.close();
    assertThat(k.isDestroyed()).isTrue();
    assertThat(kms.unwrap(a).toCompletableFuture()).isCompletedExceptionally();
  }

  @Test
  void failuresAreNotCached() {
    FakeKms fake = new FakeKms("pii");
    WrappedKey w = wrap(fake);
    try (CachingKms kms = cache(fake, 10, Duration.ofMinutes(1))) {
      fake.failNext(1, () -> new KmsUnavailableException("fake", "pii", "down"));
      assertThat(kms.unwrap(w).toCompletableFuture())
          .failsWithin(Duration.ofSeconds(5))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .withCauseInstanceOf(KmsUnavailableException.class);
      get(kms, w).close();
      assertThat(fake.calls("unwrap")).isEqualTo(2);
      assertThat(kms.stats().size()).isEqualTo(1);
    }
  }

  @Test
  void identityIncludesEveryField() {
    FakeKms fake = new FakeKms("pii");
    WrappedKey w = wrap(fake);
    try (CachingKms kms = cache(fake, 10, Duration.ofMinutes(1))) {
      get(kms, w).close();
      WrappedKey otherVersion =
          new WrappedKey(w.provider(), w.masterKeyName(), "2", w.algorithm(), w.bytes());
      try {
        kms.unwrap(otherVersion).toCompletableFuture().join();
      } catch (CompletionException e) {
        assertThat(e.getCause()).isInstanceOf(UnknownKeyException.class);
      }
      assertThat(fake.calls("unwrap")).isEqualTo(2);
    }
  }

  @Test
  void describeIsCachedBriefly() {
    FakeKms fake = new FakeKms("pii");
    try (CachingKms kms = cache(fake, 10, Duration.ofMinutes(1))) {
      kms.describe("pii").toCompletableFuture().join();
      kms.describe("pii").toCompletableFuture().join();
      assertThat(fake.calls("describe")).isEqualTo(1);
      fake.rotate("pii");
      clock.addAndGet(Duration.ofSeconds(31).toNanos());
      assertThat(kms.describe("pii").toCompletableFuture().join().currentVersion()).isEqualTo("2");
      assertThat(fake.calls("describe")).isEqualTo(2);
    }
  }

  @Test
  void generateIsNeverCached() {
    FakeKms fake = new FakeKms("pii");
    try (CachingKms kms = cache(fake, 10, Duration.ofMinutes(1))) {
      kms.generateDataKey("pii").toCompletableFuture().join().close();
      kms.generateDataKey("pii").toCompletableFuture().join().close();
      assertThat(fake.calls("generate")).isEqualTo(2);
    }
  }
}
