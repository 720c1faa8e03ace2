package dev.pipeseal.bench;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.ForwardingKms;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.kms.local.LocalKms;
import dev.pipeseal.kms.pq.HybridConfig;
import dev.pipeseal.kms.pq.HybridKms;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code ./bench/run pq}: the hybrid public-key provider (X-Wing: ML-KEM-768 + X25519) against the
 * symmetric local key store, DEK wrap and unwrap per second, bare and behind {@link KmsBridge} with
 * the KEK layer on. Ours = hybrid, baseline = local. Rounds alternate after a warm-up counted in
 * calls; the median of per-round throughputs is reported.
 */
final class PqBench {
  private static final int HYBRID_OPS = 200;
  private static final int LOCAL_OPS = 20_000;
  private static final int BRIDGE_OPS = 20_000;

  private PqBench() {}

  static void run(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("pipeseal-pq-bench");
    try {
      Path pass = dir.resolve("pass");
      Files.writeString(pass, "bench-password\n");
      URI uri = URI.create("hybrid://" + dir.resolve("recipients.pub"));
      Map<String, String> readerConfig = new HashMap<>();
      readerConfig.put(HybridConfig.PRIVATE_KEYS.name(), dir.resolve("recipients.p12").toString());
      readerConfig.put(HybridConfig.PASSWORD.name(), "file:" + pass);
      readerConfig.put(HybridConfig.CREATE.name(), "true");
      SecretSource secrets = SecretSource.system();
      try (HybridKms reader = HybridKms.open(HybridConfig.parse(uri, readerConfig), secrets);
          LocalKms local =
              LocalKms.open(dir.resolve("keys.p12"), "bench-password".toCharArray(), true)) {
        reader.createKey("data-team");
        reader.createKey("break-glass");
        local.createKey("pii");
        try (HybridKms writer = HybridKms.open(HybridConfig.parse(uri, Map.of()), secrets)) {
          bare(writer, reader, local);
          bridged(uri, readerConfig, writer, local, dir);
        }
        Map<String, Object> hybridWriter = new HashMap<>();
        hybridWriter.put("pipeseal.kms.uri", uri.toString());
        hybridWriter.put("pipeseal.kms.audit.sink", "none");
        hybridWriter.put("pipeseal.master-key", "data-team");
        Map<String, Object> symmetric = new HashMap<>();
        symmetric.put("pipeseal.kms.uri", "local://" + dir.resolve("keys.p12"));
        symmetric.put("pipeseal.kms.provider.password", "file:" + pass);
        symmetric.put("pipeseal.kms.audit.sink", "none");
        symmetric.put("pipeseal.master-key", "pii");
        KafkaBench.publicKeyVsSymmetricProduce(hybridWriter, symmetric, 100_000, 15);
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void bare(HybridKms writer, HybridKms reader, LocalKms local) {
    Runnable hybridWrap = () -> generate(writer, "data-team", HYBRID_OPS);
    Runnable hybridWrap2 = () -> generate(writer, "data-team+break-glass", HYBRID_OPS);
    Runnable localWrap = () -> generate(local, "pii", LOCAL_OPS);
    List<WrappedKey> hybridKeys = wrapped(writer, "data-team", HYBRID_OPS);
    List<WrappedKey> localKeys = wrapped(local, "pii", LOCAL_OPS);
    Runnable hybridUnwrap = () -> unwrap(reader, hybridKeys);
    Runnable localUnwrap = () -> unwrap(local, localKeys);
    Rounds.warm(10, hybridWrap, hybridWrap2, hybridUnwrap);
    Rounds.warm(10, localWrap, localUnwrap);

    report("pq.wrap", Rounds.alternate(hybridWrap, localWrap), HYBRID_OPS, LOCAL_OPS);
    report("pq.wrap-2-recipients", Rounds.alternate(hybridWrap2, localWrap), HYBRID_OPS, LOCAL_OPS);
    report("pq.unwrap", Rounds.alternate(hybridUnwrap, localUnwrap), HYBRID_OPS, LOCAL_OPS);
    BenchReport.value(
        "pq.wrapped-record-bytes", WrappedKeyCodec.toBinary(hybridKeys.get(0)).length, "bytes");
    BenchReport.value(
        "pq.wrapped-record-bytes-local",
        WrappedKeyCodec.toBinary(localKeys.get(0)).length,
        "bytes");
  }

  private static void bridged(
      URI uri, Map<String, String> readerConfig, HybridKms writer, LocalKms local, Path dir)
      throws Exception {
    // Bridges over already open providers; the DEK cache is off so every unwrap does real work.
    Map<String, String> props = new HashMap<>();
    props.put("pipeseal.kms.audit.sink", "none");
    props.put("pipeseal.kms.cache.enabled", "false");
    try (KmsBridge hybridWriter = bridge(writer, uri, props);
        KmsBridge localBridge =
            bridge(local, URI.create("local://" + dir.resolve("keys.p12")), props);
        HybridKms readerProvider =
            HybridKms.open(HybridConfig.parse(uri, readerConfig), SecretSource.system());
        KmsBridge hybridReader = bridge(readerProvider, uri, props)) {
      Runnable hybridWrap = () -> generate(hybridWriter, "data-team", BRIDGE_OPS);
      Runnable localWrap = () -> generate(localBridge, "pii", BRIDGE_OPS);
      List<WrappedKey> hybridKeys = wrapped(hybridWriter, "data-team", BRIDGE_OPS);
      List<WrappedKey> localKeys = wrapped(localBridge, "pii", BRIDGE_OPS);
      // First unwrap through a fresh reader: one hybrid decapsulation for the KEK.
      long c0 = System.nanoTime();
      hybridReader.unwrap(hybridKeys.get(0)).toCompletableFuture().join().close();
      BenchReport.value("pq.bridge-first-unwrap", (System.nanoTime() - c0) / 1e6, "ms");
      Runnable hybridUnwrap = () -> unwrap(hybridReader, hybridKeys);
      Runnable localUnwrap = () -> unwrap(localBridge, localKeys);
      Rounds.warm(5, hybridWrap, localWrap, hybridUnwrap, localUnwrap);
      report("pq.bridge-kek-wrap", Rounds.alternate(hybridWrap, localWrap), BRIDGE_OPS, BRIDGE_OPS);
      report(
          "pq.bridge-kek-unwrap",
          Rounds.alternate(hybridUnwrap, localUnwrap),
          BRIDGE_OPS,
          BRIDGE_OPS);
      BenchReport.value(
          "pq.bridge-kek-record-bytes",
          WrappedKeyCodec.toBinary(hybridKeys.get(0)).length,
          "bytes");
      // Steady state: the hybrid provider saw one generate per KEK, not one per DEK.
      BenchReport.value(
          "pq.bridge-provider-generates",
          hybridWriter.providerMetrics().operation("generate").calls(),
          "calls");
    }
  }

  private static KmsBridge bridge(Kms provider, URI uri, Map<String, String> props) {
    Map<String, String> p = new HashMap<>(props);
    p.put("pipeseal.kms.uri", uri.toString());
    // The bridge must not close the shared provider: wrap it so close() is a no-op.
    return KmsBridge.assemble(
        new Unclosed(provider), KmsBridgeConfig.fromProperties(p), Clock.systemUTC());
  }

  private static void generate(Kms kms, String name, int n) {
    for (int i = 0; i < n; i++) {
      try (DataKeyPair pair = kms.generateDataKey(name).toCompletableFuture().join()) {
        if (pair.wrapped().bytes().length == 0) {
          throw new IllegalStateException();
        }
      }
    }
  }

  private static List<WrappedKey> wrapped(Kms kms, String name, int n) {
    List<WrappedKey> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      try (DataKeyPair pair = kms.generateDataKey(name).toCompletableFuture().join()) {
        out.add(pair.wrapped());
      }
    }
    return out;
  }

  private static void unwrap(Kms kms, List<WrappedKey> keys) {
    for (WrappedKey w : keys) {
      try (DataKey dek = kms.unwrap(w).toCompletableFuture().join()) {
        if (dek.isDestroyed()) {
          throw new IllegalStateException();
        }
      }
    }
  }

  private static void report(String name, double[][] seconds, int oursOps, int baselineOps) {
    BenchReport.ratio(
        name,
        oursOps / BenchReport.median(seconds[0]),
        baselineOps / BenchReport.median(seconds[1]),
        "ops/s");
  }

  /** Delegates everything but close, so two bridges can share one provider. */
  private static final class Unclosed extends ForwardingKms {
    Unclosed(Kms kms) {
      super(kms);
    }

    @Override
    public void close() {
      // the provider is closed by its owner
    }
  }
}
