package dev.pipeseal.kms.fake;

import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.aead.RandomNonceGcm;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * An in-memory provider for unit tests of the decorators: real AES-GCM wrapping, call counters per
 * operation, scripted failures, and answers that can be held back or parked.
 */
public final class FakeKms implements Kms {
  public static final String ALGORITHM = "FAKE-AES256-GCM";

  private final String provider;
  private final Map<String, List<RandomNonceGcm>> masters = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Queue<Supplier<? extends RuntimeException>> failures =
      new ConcurrentLinkedQueue<>();
  private final List<Runnable> parked = new CopyOnWriteArrayList<>();

  /** Values handed out by {@link #releaseParked()}. */
  public final List<Object> released = new CopyOnWriteArrayList<>();

  private volatile CompletableFuture<Void> gate;
  private volatile boolean park;
  public volatile boolean closed;

  private FakeKms(String provider, String[] keys) {
    this.provider = provider;
    for (String k : keys) {
      masters.put(k, new CopyOnWriteArrayList<>(List.of(newMaster())));
    }
  }

  /** Provider id {@code fake} with version 1 of each key. */
  public FakeKms(String... keys) {
    this("fake", keys);
  }

  public static FakeKms forProvider(String provider, String... keys) {
    return new FakeKms(provider, keys);
  }

  private static RandomNonceGcm newMaster() {
    try (DataKey k = DataKey.generate()) {
      return RandomNonceGcm.create(k);
    }
  }

  public int calls(String op) {
    AtomicInteger n = calls.get(op);
    return n == null ? 0 : n.get();
  }

  public int totalCalls() {
    return calls.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  public void rotate(String name) {
    masters.get(name).add(newMaster());
  }

  /** The next {@code n} calls fail with {@code error}. */
  public void failNext(int n, Supplier<? extends RuntimeException> error) {
    for (int i = 0; i < n; i++) {
      failures.add(error);
    }
  }

  /** Answers wait until {@link #release()} and then complete on another thread. */
  public void hold() {
    gate = new CompletableFuture<>();
  }

  public void release() {
    gate.complete(null);
  }

  /** Answers never come until {@link #releaseParked()}. */
  public void park(boolean on) {
    park = on;
  }

  public void releaseParked() {
    for (Runnable r : parked) {
      r.run();
    }
    parked.clear();
  }

  @Override
  public String providerId() {
    return provider;
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return answer(
        "generate",
        () -> {
          List<RandomNonceGcm> versions = versions(masterKeyName);
          int version = versions.size();
          DataKey dek = DataKey.generate();
          byte[] wrapped =
              dek.withMaterial(
                  m -> versions.get(version - 1).encrypt(m, aad(masterKeyName, version)));
          return new DataKeyPair(
              dek,
              new WrappedKey(provider, masterKeyName, String.valueOf(version), ALGORITHM, wrapped));
        });
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    return answer("unwrap", () -> unwrapNow(wrapped));
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    return answer(
        "rewrap",
        () -> {
          List<RandomNonceGcm> versions = versions(wrapped.masterKeyName());
          int current = versions.size();
          if (String.valueOf(current).equals(wrapped.masterKeyVersion())) {
            return wrapped;
          }
          try (DataKey dek = unwrapNow(wrapped)) {
            byte[] bytes =
                dek.withMaterial(
                    m ->
                        versions
                            .get(current - 1)
                            .encrypt(m, aad(wrapped.masterKeyName(), current)));
            return new WrappedKey(
                provider, wrapped.masterKeyName(), String.valueOf(current), ALGORITHM, bytes);
          }
        });
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    return answer(
        "describe",
        () -> {
          int n = versions(masterKeyName).size();
          List<String> all = new ArrayList<>();
          for (int i = 1; i <= n; i++) {
            all.add(String.valueOf(i));
          }
          return new MasterKeyInfo(provider, masterKeyName, String.valueOf(n), all);
        });
  }

  @Override
  public void close() {
    closed = true;
  }

  private DataKey unwrapNow(WrappedKey wrapped) {
    if (!ALGORITHM.equals(wrapped.algorithm()) || !provider.equals(wrapped.provider())) {
      throw new InvalidWrappedKeyException(provider, wrapped.masterKeyName(), "not ours");
    }
    List<RandomNonceGcm> versions = versions(wrapped.masterKeyName());
    int version = Integer.parseInt(wrapped.masterKeyVersion());
    if (version < 1 || version > versions.size()) {
      throw new UnknownKeyException(provider, wrapped.masterKeyName(), "no version " + version);
    }
    try {
      byte[] plain =
          versions.get(version - 1).decrypt(wrapped.bytes(), aad(wrapped.masterKeyName(), version));
      try {
        return DataKey.copyOf(plain);
      } finally {
        DataKey.zero(plain);
      }
    } catch (AuthenticationFailedException e) {
      throw new InvalidWrappedKeyException(provider, wrapped.masterKeyName(), "tag mismatch");
    }
  }

  private List<RandomNonceGcm> versions(String name) {
    List<RandomNonceGcm> v = masters.get(name);
    if (v == null) {
      throw new UnknownKeyException(provider, name, "no such key");
    }
    return v;
  }

  private static byte[] aad(String name, int version) {
    return (name + "#" + version).getBytes(StandardCharsets.UTF_8);
  }

  private <T> CompletionStage<T> answer(String op, Supplier<T> body) {
    calls.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
    Supplier<? extends RuntimeException> failure = failures.poll();
    if (failure != null) {
      return CompletableFuture.failedFuture(failure.get());
    }
    if (park) {
      CompletableFuture<T> f = new CompletableFuture<>();
      parked.add(
          () -> {
            T value = body.get();
            released.add(value);
            f.complete(value);
          });
      return f;
    }
    CompletableFuture<Void> g = gate;
    if (g != null) {
      return g.thenApplyAsync(ignored -> body.get());
    }
    try {
      return CompletableFuture.completedFuture(body.get());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
