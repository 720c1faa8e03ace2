package dev.pipeseal.bench;

import dev.pipeseal.bench.batch.BatchEncryptor;
import dev.pipeseal.bench.batch.ColumnBatch;
import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.EnvelopeContext;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.EnvelopeReader;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.bridge.KmsBridgeConfig;
import dev.pipeseal.kms.hadoop.HadoopKmsService;
import dev.pipeseal.kms.metrics.KmsMetrics;
import dev.pipeseal.kms.testing.HadoopKmsServer;
import dev.pipeseal.kms.testing.MotoServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code ./bench/run kms}, against a real Hadoop KMS server started in its own JVM:
 *
 * <ul>
 *   <li>{@code kms.unwrap-cached}: unwraps through the bridge (cache hits) vs the bare provider
 *       (one HTTP round trip each), same wrapped keys, alternating rounds.
 *   <li>{@code kms.calls-per-1m}: KMS calls made while 10^6 values are encrypted under one master
 *       key, a new DEK every 10,000 values (as a Kafka producer with a DEK record limit would), and
 *       all decrypted again by fresh readers (as many short tasks would).
 *   <li>{@code kms.aws-unwrap-cached}, {@code kms.aws-calls-per-1m}: the same two against AWS KMS
 *       as emulated by a {@code moto_server} child process on a loopback port (skipped with a
 *       warning where moto is not installed).
 * </ul>
 */
final class KmsBench {
  private static final int KEYS = 200;
  private static final EnvelopeContext CONTEXT = EnvelopeContext.of("bench.kms");

  private KmsBench() {}

  static void run(String[] args) throws Exception {
    try (HadoopKmsServer server = HadoopKmsServer.builder().start()) {
      server.createKey("bench");
      Supplier<Kms> provider =
          () -> new HadoopKmsService().create(server.uri(), server.clientConfig());
      KmsBridgeConfig config = KmsBridgeConfig.defaults(server.uri(), server.clientConfig());
      unwrapCachedVsUncached("kms.unwrap-cached", provider, config);
      callsPerMillion("kms.", provider, config);
    }
    aws();
  }

  static void aws() throws Exception {
    Path dir = Files.createTempDirectory("pipeseal-bench-moto");
    Optional<MotoServer> started = MotoServer.startIfInstalled(dir);
    if (started.isEmpty()) {
      System.err.println("kms.aws-*: skipped: " + MotoServer.MISSING);
      return;
    }
    try (MotoServer moto = started.get()) {
      Files.writeString(dir.resolve("aws.id"), "testing\n");
      Files.writeString(dir.resolve("aws.secret"), "testing\n");
      Map<String, String> settings =
          Map.of(
              "endpoint", moto.endpoint().toString(),
              "access-key-id", "file:" + dir.resolve("aws.id"),
              "secret-access-key", "file:" + dir.resolve("aws.secret"));
      URI uri = URI.create("aws-kms://us-east-1");
      Supplier<Kms> provider = () -> KmsProviders.open(uri, settings);
      try (Kms admin = provider.get()) {
        ((KmsAdmin) admin).createKey("bench");
      }
      KmsBridgeConfig config = KmsBridgeConfig.defaults(uri, settings);
      unwrapCachedVsUncached("kms.aws-unwrap-cached", provider, config);
      callsPerMillion("kms.aws-", provider, config);
    }
  }

  private static void unwrapCachedVsUncached(
      String name, Supplier<Kms> provider, KmsBridgeConfig config) {
    try (Kms bare = provider.get();
        KmsBridge bridge = KmsBridge.assemble(provider.get(), config, Clock.systemUTC())) {
      // Plain provider-wrapped keys, so both sides unwrap exactly the same records.
      List<WrappedKey> wrapped = new ArrayList<>();
      for (int i = 0; i < KEYS; i++) {
        try (DataKeyPair pair = KmsCalls.await(bare.generateDataKey("bench"))) {
          wrapped.add(pair.wrapped());
        }
      }
      Runnable uncached = () -> unwrapAll(bare, wrapped);
      Runnable cached = () -> unwrapAll(bridge, wrapped);
      for (int i = 0; i < 5; i++) {
        uncached.run();
        cached.run();
      }
      double[] c = new double[Rounds.COUNT];
      double[] u = new double[Rounds.COUNT];
      for (int i = 0; i < Rounds.COUNT; i++) {
        c[i] = Rounds.seconds(cached);
        u[i] = Rounds.seconds(uncached);
      }
      BenchReport.ratio(
          name, KEYS / BenchReport.median(c), KEYS / BenchReport.median(u), "unwraps/s");
    }
  }

  private static void unwrapAll(Kms kms, List<WrappedKey> wrapped) {
    for (WrappedKey w : wrapped) {
      KmsCalls.await(kms.unwrap(w)).close();
    }
  }

  private static void callsPerMillion(
      String prefix, Supplier<Kms> provider, KmsBridgeConfig config) {
    int values = 1_000_000;
    int perDek = 10_000;
    int perReader = 100_000;
    try (KmsBridge bridge = KmsBridge.assemble(provider.get(), config, Clock.systemUTC())) {
      EnvelopeKeys keys = EnvelopeKeys.inline(bridge);
      byte[][] batch = new byte[perDek][];
      for (int i = 0; i < perDek; i++) {
        batch[i] = new byte[32];
      }
      ColumnBatch plain = ColumnBatch.of(batch);
      List<byte[]> firstOfEachDek = new ArrayList<>();
      long encrypted = 0;
      while (encrypted < values) {
        try (DataKeyPair pair = keys.generate("bench");
            BatchEncryptor enc =
                BatchEncryptor.create(
                    pair.plaintext(),
                    Algorithm.XAES_256_GCM,
                    keys.inlineReference(pair.wrapped()))) {
          ColumnBatch sealed = enc.encrypt(plain, CONTEXT);
          firstOfEachDek.add(sealed.value(0));
          encrypted += sealed.count();
        }
      }
      // Decrypt one value per DEK with a fresh reader per "task" of 100k values.
      int dekPerReader = perReader / perDek;
      for (int start = 0; start < firstOfEachDek.size(); start += dekPerReader) {
        try (EnvelopeReader reader = new EnvelopeReader(keys)) {
          for (int i = start; i < Math.min(start + dekPerReader, firstOfEachDek.size()); i++) {
            reader.decrypt(firstOfEachDek.get(i), CONTEXT);
          }
        }
      }
      KmsMetrics providerCalls = bridge.providerMetrics();
      long calls =
          providerCalls.operations().values().stream().mapToLong(KmsMetrics.Operation::calls).sum();
      BenchReport.value(prefix + "calls-per-1m", calls, "KMS calls per 10^6 encryptions");
      BenchReport.value(
          prefix + "deks-per-1m", firstOfEachDek.size(), "DEKs generated per 10^6 encryptions");
    }
  }
}
