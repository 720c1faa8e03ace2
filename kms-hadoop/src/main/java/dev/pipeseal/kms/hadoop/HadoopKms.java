package dev.pipeseal.kms.hadoop;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import java.io.IOException;
import java.net.URI;
import java.security.PrivilegedExceptionAction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.crypto.key.KeyProvider;
import org.apache.hadoop.crypto.key.KeyProvider.KeyVersion;
import org.apache.hadoop.crypto.key.KeyProviderCryptoExtension;
import org.apache.hadoop.crypto.key.KeyProviderCryptoExtension.EncryptedKeyVersion;
import org.apache.hadoop.crypto.key.KeyProviderFactory;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * A Hadoop KMS (or a load-balanced group of them) as a {@link Kms} and {@link KmsAdmin}.
 *
 * <p>DEKs are Hadoop EEKs: {@link #generateDataKey} asks the KMS for an EEK under the key's current
 * version and has it decrypted (two calls; the Hadoop client prefetches EEKs, so usually one);
 * {@link #unwrap} decrypts; {@link #rewrap} and {@link #rewrapAll} re-encrypt on the server ({@code
 * reencryptEncryptedKeys}) without the DEK ever reaching this process. Master keys are AES-256
 * ({@code AES/CTR/NoPadding}, the cipher Hadoop EEKs use).
 *
 * <p>A URI with several hosts ({@code kms://http@h1;h2:9600/kms}) gets Hadoop's {@code
 * LoadBalancingKMSClientProvider}: round robin with failover to the next host. Nothing else is
 * retried or cached here beyond what the Hadoop client does itself (its EEK prefetch queue);
 * failures are classified by {@link KmsErrors} for the decorators.
 */
public final class HadoopKms implements Kms, KmsAdmin {
  private static final String CIPHER = "AES/CTR/NoPadding";
  private static final int KEY_BITS = 256;
  // The KMS refuses batches above 10000 EEKs; stay well below.
  private static final int REWRAP_BATCH = 1000;

  private final URI uri;
  private final KeyProvider keyProvider;
  private final KeyProviderCryptoExtension crypto;
  private final UserGroupInformation ugi;
  private final ExecutorService executor;

  private HadoopKms(
      URI uri, KeyProvider keyProvider, UserGroupInformation ugi, ExecutorService executor) {
    this.uri = uri;
    this.keyProvider = keyProvider;
    this.crypto = KeyProviderCryptoExtension.createKeyProviderCryptoExtension(keyProvider);
    this.ugi = ugi;
    this.executor = executor;
  }

  /** Opens a client for {@code uri}; see {@link HadoopKmsConfig} for the config keys. */
  static Kms open(URI uri, Map<String, String> config) {
    HadoopKmsConfig cfg = HadoopKmsConfig.parse(config);
    UserGroupInformation ugi =
        cfg.user == null ? null : UserGroupInformation.createRemoteUser(cfg.user);
    KeyProvider provider;
    try {
      provider = as(ugi, () -> KeyProviderFactory.get(uri, cfg.hadoop));
    } catch (Exception e) {
      throw new KmsConfigException(
          HadoopKmsService.PROVIDER_ID, null, "cannot open Hadoop KMS client for " + uri, e);
    }
    if (provider == null) {
      throw new KmsConfigException(
          HadoopKmsService.PROVIDER_ID, null, "no Hadoop key provider for " + uri);
    }
    return new HadoopKms(uri, provider, ugi, newExecutor(cfg.threads));
  }

  @Override
  public String providerId() {
    return HadoopKmsService.PROVIDER_ID;
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return call(
        masterKeyName,
        "generate data key",
        () -> {
          EncryptedKeyVersion eek = crypto.generateEncryptedKey(masterKeyName);
          WrappedKey wrapped = EekCodec.toWrappedKey(eek);
          DataKey dek = decrypt(eek);
          return new DataKeyPair(dek, wrapped);
        });
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    EncryptedKeyVersion eek;
    try {
      eek = EekCodec.toEek(wrapped);
    } catch (KmsException e) {
      return CompletableFuture.failedFuture(e);
    }
    return call(wrapped.masterKeyName(), "unwrap", () -> decrypt(eek));
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    EncryptedKeyVersion eek;
    try {
      eek = EekCodec.toEek(wrapped);
    } catch (KmsException e) {
      return CompletableFuture.failedFuture(e);
    }
    return call(
        wrapped.masterKeyName(),
        "rewrap",
        () -> current(wrapped, crypto.reencryptEncryptedKey(eek)));
  }

  /** One {@code reencryptEncryptedKeys} call per master key and per 1000 keys. */
  @Override
  public CompletionStage<List<WrappedKey>> rewrapAll(List<WrappedKey> wrapped) {
    Map<String, List<Integer>> byKey = new LinkedHashMap<>();
    List<EncryptedKeyVersion> eeks = new ArrayList<>(wrapped.size());
    try {
      for (int i = 0; i < wrapped.size(); i++) {
        WrappedKey w = wrapped.get(i);
        eeks.add(EekCodec.toEek(w));
        byKey.computeIfAbsent(w.masterKeyName(), k -> new ArrayList<>()).add(i);
      }
    } catch (KmsException e) {
      return CompletableFuture.failedFuture(e);
    }
    String keyName = byKey.size() == 1 ? byKey.keySet().iterator().next() : null;
    return call(
        keyName,
        "rewrap " + wrapped.size() + " keys",
        () -> {
          WrappedKey[] out = new WrappedKey[wrapped.size()];
          for (Map.Entry<String, List<Integer>> group : byKey.entrySet()) {
            List<Integer> indexes = group.getValue();
            for (int from = 0; from < indexes.size(); from += REWRAP_BATCH) {
              List<Integer> chunk =
                  indexes.subList(from, Math.min(indexes.size(), from + REWRAP_BATCH));
              List<EncryptedKeyVersion> batch = new ArrayList<>(chunk.size());
              chunk.forEach(i -> batch.add(eeks.get(i)));
              try {
                crypto.reencryptEncryptedKeys(batch); // replaces the elements in place
              } catch (IOException | RuntimeException e) {
                throw KmsErrors.map(e, group.getKey(), "rewrap");
              }
              for (int j = 0; j < chunk.size(); j++) {
                int i = chunk.get(j);
                out[i] = current(wrapped.get(i), batch.get(j));
              }
            }
          }
          return Arrays.asList(out);
        });
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    return call(masterKeyName, "describe", () -> info(masterKeyName));
  }

  @Override
  public MasterKeyInfo createKey(String masterKeyName) {
    return KmsCalls.await(
        call(
            masterKeyName,
            "create key",
            () -> {
              KeyProvider.Options options = new KeyProvider.Options(crypto.getConf());
              options.setCipher(CIPHER);
              options.setBitLength(KEY_BITS);
              forget(crypto.createKey(masterKeyName, options));
              return info(masterKeyName);
            }));
  }

  @Override
  public MasterKeyInfo rotateKey(String masterKeyName) {
    return KmsCalls.await(
        call(
            masterKeyName,
            "rotate key",
            () -> {
              // Also drains the client's prefetched EEKs of the old version.
              forget(crypto.rollNewVersion(masterKeyName));
              return info(masterKeyName);
            }));
  }

  @Override
  public List<MasterKeyInfo> listKeys() {
    return KmsCalls.await(
        call(
            null,
            "list keys",
            () -> {
              List<String> names = keyProvider.getKeys();
              KeyProvider.Metadata[] metadata =
                  keyProvider.getKeysMetadata(names.toArray(String[]::new));
              List<MasterKeyInfo> out = new ArrayList<>(names.size());
              for (int i = 0; i < names.size(); i++) {
                if (metadata[i] != null) {
                  out.add(info(names.get(i), metadata[i]));
                }
              }
              out.sort(Comparator.comparing(MasterKeyInfo::name));
              return out;
            }));
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      keyProvider.close();
    } catch (IOException e) {
      // Only releases client-side state; nothing to report to a closing caller.
    }
  }

  @Override
  public String toString() {
    return "HadoopKms[" + uri + "]";
  }

  /** The Hadoop provider behind this client; tests check it load-balances. */
  KeyProvider keyProvider() {
    return keyProvider;
  }

  private DataKey decrypt(EncryptedKeyVersion eek) throws Exception {
    KeyVersion dek = crypto.decryptEncryptedKey(eek);
    byte[] material = dek.getMaterial();
    try {
      if (material == null || material.length != DataKey.LENGTH_BYTES) {
        throw new KmsConfigException(
            providerId(),
            eek.getEncryptionKeyName(),
            "master key is not AES-256 (got a "
                + (material == null ? 0 : material.length * 8)
                + "-bit DEK); create Hadoop KMS keys with length 256");
      }
      return DataKey.copyOf(material);
    } finally {
      DataKey.zero(material);
    }
  }

  private MasterKeyInfo info(String name) throws IOException {
    KeyProvider.Metadata metadata = keyProvider.getMetadata(name);
    if (metadata == null) {
      throw new UnknownKeyException(providerId(), name, "no such key in the KMS");
    }
    return info(name, metadata);
  }

  // Hadoop names versions name@0 .. name@(n-1); deriving them avoids fetching key material.
  private MasterKeyInfo info(String name, KeyProvider.Metadata metadata) {
    List<String> versions = new ArrayList<>(metadata.getVersions());
    for (int v = 0; v < metadata.getVersions(); v++) {
      versions.add(name + "@" + v);
    }
    String current = versions.isEmpty() ? name + "@0" : versions.get(versions.size() - 1);
    // The KMS records when the key was created (its first version), not when it was rolled: later
    // versions have no known creation time.
    java.util.Map<String, java.time.Instant> created =
        metadata.getCreated() == null
            ? java.util.Map.of()
            : java.util.Map.of(name + "@0", metadata.getCreated().toInstant());
    return new MasterKeyInfo(providerId(), name, current, versions, created);
  }

  private WrappedKey current(WrappedKey original, EncryptedKeyVersion reencrypted) {
    if (reencrypted.getEncryptionKeyVersionName().equals(original.masterKeyVersion())) {
      return original;
    }
    return EekCodec.toWrappedKey(reencrypted);
  }

  private static void forget(KeyVersion version) {
    // The KMS returns new master key material to admin calls; we never keep it.
    if (version != null) {
      DataKey.zero(version.getMaterial());
    }
  }

  private interface Call<T> {
    T run() throws Exception;
  }

  private <T> CompletionStage<T> call(String keyName, String operation, Call<T> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            try {
              result.complete(as(ugi, body::run));
            } catch (Throwable e) {
              result.completeExceptionally(KmsErrors.map(e, keyName, operation));
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(
          new KmsConfigException(providerId(), keyName, operation + ": client is closed", e));
    }
    return result;
  }

  private static <T> T as(UserGroupInformation ugi, PrivilegedExceptionAction<T> action)
      throws Exception {
    if (ugi == null) {
      return action.run();
    }
    try {
      return ugi.doAs(action);
    } catch (java.lang.reflect.UndeclaredThrowableException e) {
      throw e.getCause() instanceof Exception x ? x : e;
    }
  }

  private static ExecutorService newExecutor(int threads) {
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(
        threads,
        r -> {
          Thread t = new Thread(r, "hadoop-kms-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }
}
