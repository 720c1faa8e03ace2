package dev.pipeseal.spark.keys;

import dev.pipeseal.crypto.envelope.Algorithm;
import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.spark.config.PipesealSparkConfig;
import dev.pipeseal.spark.config.PipesealSparkConfig.KeyReferenceMode;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Driver side: turns a master key name into the {@link ColumnKey} an expression ships. A randomized
 * data key is generated once per configuration and master key and reused for {@code
 * spark.pipeseal.dek.lifetime}; a deterministic one is the same forever (see {@link
 * DeterministicAliases}), or equal plaintexts would not give equal ciphertexts across runs.
 */
public final class DriverKeys {
  private record Slot(Map<String, String> config, String masterKey, boolean deterministic) {}

  private record Cached(ColumnKey key, Instant expires) {}

  private static final Map<Slot, Cached> CACHE = new ConcurrentHashMap<>();

  private DriverKeys() {}

  /** The key an encrypting expression over {@code masterKey} uses now. */
  public static ColumnKey resolve(
      PipesealSparkConfig config, String masterKey, boolean deterministic) {
    Slot slot = new Slot(config.properties(), masterKey, deterministic);
    Instant now = Instant.now();
    Cached c =
        CACHE.compute(
            slot,
            (s, old) ->
                old != null && now.isBefore(old.expires())
                    ? old
                    : new Cached(
                        create(config, masterKey, deterministic),
                        deterministic ? Instant.MAX : now.plus(config.dekLifetime())));
    return c.key();
  }

  private static ColumnKey create(
      PipesealSparkConfig config, String masterKey, boolean deterministic) {
    KeyServices services = KeyServices.of(config);
    EnvelopeKeys keys = services.keys();
    if (deterministic) {
      KeyId id = DeterministicAliases.findOrCreate(services, masterKey);
      KeyReference ref = KeyReference.registryKeyId(id.toBytes());
      if (config.keyReference() == KeyReferenceMode.INLINE) {
        ref = keys.inlineReference(keys.wrappedKey(ref));
      }
      return new ColumnKey(masterKey, Algorithm.AES_SIV, ref);
    }
    try (DataKeyPair pair = keys.generate(masterKey)) {
      KeyReference ref =
          config.keyReference() == KeyReferenceMode.REGISTRY
              ? keys.registryReference(pair.wrapped())
              : keys.inlineReference(pair.wrapped());
      return new ColumnKey(masterKey, Algorithm.XAES_256_GCM, ref);
    }
  }

  /** Forgets resolved keys (tests). */
  public static void clear() {
    CACHE.clear();
  }
}
