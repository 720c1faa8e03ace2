package dev.pipeseal.spark.keys;

import dev.pipeseal.crypto.envelope.KeyReference;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.MasterKeyNames;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.spark.config.PipesealSparkConfig;

/**
 * The stable data key of deterministic columns: one registry record per master key, found through
 * the registry alias {@code deterministic/<masterKey>} (file {@code
 * <registry>/aliases/deterministic/<masterKey>.id}, holding its 16-hex-digit id). The first driver
 * to need it generates and registers a data key and publishes the alias create-if-absent through
 * the registry's store; a driver that loses the race uses the winner's id (its own record stays
 * unused). Registry readers ignore the {@code aliases} directory. Rotation rewraps the record in
 * place, so the id, and with it every ciphertext, stays the same.
 */
final class DeterministicAliases {
  private DeterministicAliases() {}

  static KeyId findOrCreate(SparkKeyAccess services, String masterKey) {
    if (services.registry() == null) {
      throw new UnknownKeyException(
          services.bridge().providerId(),
          masterKey,
          "deterministic encryption needs a key registry ("
              + PipesealSparkConfig.REGISTRY_LOCATION
              + "): its data key must be the same in every run");
    }
    if (!MasterKeyNames.isValid(masterKey)) {
      throw new IllegalArgumentException(
          "master key name '"
              + masterKey
              + "' cannot name a deterministic key alias (allowed: 1-128 of A-Z a-z 0-9 . _ -, starting"
              + " with a letter or digit)");
    }
    String name = "deterministic/" + masterKey;
    KeyRegistry registry = services.registry();
    KeyId id =
        registry
            .alias(name)
            .orElseGet(
                () -> {
                  KeyId fresh;
                  try (DataKeyPair pair = services.keys().generate(masterKey)) {
                    fresh = registry.register(pair.wrapped());
                  }
                  return registry.aliasIfAbsent(name, fresh);
                });
    verify(services, id, masterKey, name);
    return id;
  }

  /** An alias must name a record of the same master key: a swapped alias fails closed. */
  private static void verify(SparkKeyAccess services, KeyId id, String masterKey, String name) {
    WrappedKey wrapped = services.keys().wrappedKey(KeyReference.registryKeyId(id.toBytes()));
    if (!wrapped.masterKeyName().equals(masterKey)) {
      throw new IllegalStateException(
          "deterministic key alias "
              + name
              + " names key id "
              + id.hex()
              + " of master key '"
              + wrapped.masterKeyName()
              + "', not '"
              + masterKey
              + "'");
    }
  }
}
