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
 * DeterministicAliases}), or equal plaintexts would not give equal ciphertexts across runs. One per
 * {@link SparkKeyAccess}: it lives and dies with the shared bridge its keys were wrapped by.
 */
public final class DriverKeys {
  private record Slot(String masterKey, boolean deterministic) {}

  private record Cached(ColumnKey key, Instant expires) {}

  private final SparkKeyAccess access;
  // At most two entries per master key; entries hold references (no key material) to replace.
  private final Map<Slot, Cached> resolved = new ConcurrentHashMap<>();

  DriverKeys(SparkKeyAccess access) {
    this.access = access;
  }

  /** The key an encrypting expression over {@code masterKey} uses now under {@code config}. */
  public static ColumnKey resolve(
      PipesealSparkConfig config, String masterKey, boolean deterministic) {
    return SparkKeyAccess.of(config).driverKeys().resolve(masterKey, deterministic);
  }

  /** The key an encrypting expression over {@code masterKey} uses now. */
  public ColumnKey resolve(String masterKey, boolean deterministic) {
    PipesealSparkConfig config = access.config();
    Instant now = Instant.now();
    Cached c =
        resolved.compute(
            new Slot(masterKey, deterministic),
            (s, old) ->
                old != null && now.isBefore(old.expires())
                    ? old
                    : new Cached(
                        create(masterKey, deterministic),
                        deterministic ? Instant.MAX : now.plus(config.dekLifetime())));
    return c.key();
  }

  private ColumnKey create(String masterKey, boolean deterministic) {
    PipesealSparkConfig config = access.config();
    EnvelopeKeys keys = access.keys();
    if (deterministic) {
      KeyId id = DeterministicAliases.findOrCreate(access, masterKey);
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
}
