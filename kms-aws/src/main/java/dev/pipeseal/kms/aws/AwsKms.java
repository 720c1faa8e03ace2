package dev.pipeseal.kms.aws;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.AccessDeniedException;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.MasterKeyNames;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.secret.SecretSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;
import software.amazon.awssdk.services.kms.model.AliasListEntry;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.DecryptResponse;
import software.amazon.awssdk.services.kms.model.EncryptResponse;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KeySpec;
import software.amazon.awssdk.services.kms.model.KeyState;
import software.amazon.awssdk.services.kms.model.KeyUsageType;
import software.amazon.awssdk.services.kms.model.ListKeyRotationsResponse;
import software.amazon.awssdk.services.kms.model.ReEncryptResponse;

/**
 * AWS KMS as a {@link Kms} and {@link KmsAdmin}.
 *
 * <p>Master key names are what callers pass ({@code pii}, {@code alias/pii}, a key id or a key
 * ARN); a bare name means {@code alias/NAME}. The name is recorded in the wrapped key and bound as
 * the encryption context ({@value #CONTEXT_KEY}), so CloudTrail shows which Pipeseal key a call was
 * for and a ciphertext moved to a record naming another key is refused by KMS.
 *
 * <p>AWS has no key version ids: the version recorded is {@code 1 +} the number of completed
 * rotations ({@code ListKeyRotations}). Generate labels a DEK with a version read at most {@link
 * AwsKmsConfig#versionTtl()} earlier, so a label can lag a rotation, never lead it: a lagging label
 * only makes the next rewrap re-encrypt a key that was already current, which is harmless.
 */
public final class AwsKms implements Kms, KmsAdmin {
  /** Algorithm id of a KMS ciphertext blob under a symmetric key. */
  public static final String ALGORITHM = "AWS-KMS";

  /** Encryption-context entry that binds a ciphertext to its master key name. */
  public static final String CONTEXT_KEY = "pipeseal:master-key";

  private static final Pattern KEY_ID =
      Pattern.compile(
          "mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Pattern ARN = Pattern.compile("arn:aws[a-z-]*:kms:([a-z0-9-]+):\\d+:.+");

  private final AwsKmsConfig config;
  private final KmsClient client;
  private final ExecutorService executor;
  private final LongSupplier nanoTime;
  private final Map<String, KeyVersion> versions = new ConcurrentHashMap<>();

  /** What generate needs to know about a master key, remembered for a short while. */
  /** {@code created}: creation time per version label, from the key and its rotations. */
  private record KeyVersion(
      String arn, int version, long expiresAt, Map<String, java.time.Instant> created) {}

  AwsKms(AwsKmsConfig config, KmsClient client, LongSupplier nanoTime) {
    this.config = config;
    this.client = client;
    this.nanoTime = nanoTime;
    this.executor = newExecutor(config.threads());
  }

  /** Builds the SDK client for {@code config}. */
  static AwsKms open(AwsKmsConfig config) {
    KmsClientBuilder builder =
        KmsClient.builder()
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(config.apiCallTimeout())
                    .socketTimeout(config.apiCallTimeout()))
            .overrideConfiguration(
                ClientOverrideConfiguration.builder()
                    .apiCallTimeout(config.apiCallTimeout())
                    .apiCallAttemptTimeout(config.apiCallTimeout())
                    .retryStrategy(
                        config.maxAttempts() == 1
                            ? AwsRetryStrategy.doNotRetry()
                            : AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(config.maxAttempts())
                                .build())
                    .build())
            .credentialsProvider(credentials(config));
    if (config.region() != null) {
      builder.region(Region.of(config.region()));
    }
    if (config.endpoint() != null) {
      builder.endpointOverride(config.endpoint());
    }
    try {
      return new AwsKms(config, builder.build(), System::nanoTime);
    } catch (RuntimeException e) {
      throw new KmsConfigException(
          AwsKmsService.PROVIDER_ID,
          null,
          "cannot build the AWS KMS client (" + config + "): " + e.getMessage(),
          e);
    }
  }

  private static AwsCredentialsProvider credentials(AwsKmsConfig config) {
    if (config.accessKeyIdRef() != null) {
      String id = secret(config.accessKeyIdRef(), AwsKmsConfig.ACCESS_KEY_ID);
      String key = secret(config.secretAccessKeyRef(), AwsKmsConfig.SECRET_ACCESS_KEY);
      return StaticCredentialsProvider.create(
          config.sessionTokenRef() == null
              ? AwsBasicCredentials.create(id, key)
              : AwsSessionCredentials.create(
                  id, key, secret(config.sessionTokenRef(), AwsKmsConfig.SESSION_TOKEN)));
    }
    if (config.profile() != null) {
      return ProfileCredentialsProvider.create(config.profile());
    }
    // Environment, system properties, web identity (IRSA), profile, container, instance metadata.
    return DefaultCredentialsProvider.builder().build();
  }

  private static String secret(String reference, String what) {
    return new String(SecretSource.system().resolve(reference, AwsKmsService.PROVIDER_ID, what));
  }

  @Override
  public String providerId() {
    return AwsKmsService.PROVIDER_ID;
  }

  /** The settings this provider was opened with. */
  public AwsKmsConfig config() {
    return config;
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return call(
        masterKeyName,
        "generate data key",
        () -> {
          // Read before generating, so the label can only lag a concurrent rotation.
          KeyVersion version = version(masterKeyName, false);
          GenerateDataKeyResponse r =
              client.generateDataKey(
                  b ->
                      b.keyId(version.arn())
                          .keySpec(DataKeySpec.AES_256)
                          .encryptionContext(context(masterKeyName)));
          DataKey dek = dataKey(masterKeyName, r.plaintext());
          return new DataKeyPair(
              dek,
              new WrappedKey(
                  providerId(),
                  masterKeyName,
                  Integer.toString(version.version()),
                  ALGORITHM,
                  r.ciphertextBlob().asByteArray()));
        });
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    try {
      check(wrapped);
    } catch (KmsException e) {
      return CompletableFuture.failedFuture(e);
    }
    String name = wrapped.masterKeyName();
    return call(
        name,
        "unwrap",
        () -> {
          DecryptResponse r =
              client.decrypt(
                  b ->
                      b.keyId(keyId(name))
                          .ciphertextBlob(SdkBytes.fromByteArray(wrapped.bytes()))
                          .encryptionContext(context(name)));
          return dataKey(name, r.plaintext());
        });
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    try {
      check(wrapped);
    } catch (KmsException e) {
      return CompletableFuture.failedFuture(e);
    }
    String name = wrapped.masterKeyName();
    return call(
        name,
        "rewrap",
        () -> {
          KeyVersion current = version(name, true);
          String label = Integer.toString(current.version());
          if (label.equals(wrapped.masterKeyVersion())) {
            return wrapped;
          }
          // Decrypted and encrypted inside KMS: the DEK never reaches this process.
          ReEncryptResponse r =
              client.reEncrypt(
                  b ->
                      b.ciphertextBlob(SdkBytes.fromByteArray(wrapped.bytes()))
                          .sourceKeyId(keyId(name))
                          .sourceEncryptionContext(context(name))
                          .destinationKeyId(current.arn())
                          .destinationEncryptionContext(context(name)));
          return new WrappedKey(
              providerId(), name, label, ALGORITHM, r.ciphertextBlob().asByteArray());
        });
  }

  /**
   * {@code Encrypt} of an existing DEK (a key migrated from another provider), bound to the master
   * key name like a generated one, so {@link #unwrap} and {@link #rewrap} treat both alike. The
   * DEK's bytes are lent for the call only and zeroed when it returns.
   */
  @Override
  public CompletionStage<WrappedKey> wrap(DataKey dek, String masterKeyName) {
    return call(
        masterKeyName,
        "wrap",
        () -> {
          KeyVersion version = version(masterKeyName, false);
          EncryptResponse r =
              dek.withMaterial(
                  material ->
                      client.encrypt(
                          b ->
                              b.keyId(version.arn())
                                  .plaintext(SdkBytes.fromByteArrayUnsafe(material))
                                  .encryptionContext(context(masterKeyName))));
          return new WrappedKey(
              providerId(),
              masterKeyName,
              Integer.toString(version.version()),
              ALGORITHM,
              r.ciphertextBlob().asByteArray());
        });
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    return call(masterKeyName, "describe", () -> info(masterKeyName, version(masterKeyName, true)));
  }

  /**
   * Creates a symmetric encryption key and points {@code alias/NAME} at it. Only alias names can be
   * created: key ids and ARNs are chosen by AWS.
   */
  @Override
  public MasterKeyInfo createKey(String masterKeyName) {
    String alias = keyId(masterKeyName);
    if (!alias.startsWith("alias/")) {
      throw new KmsConfigException(
          providerId(), masterKeyName, "create key takes an alias name (NAME or alias/NAME)");
    }
    return KmsCalls.await(
        call(
            masterKeyName,
            "create key",
            () -> {
              KeyMetadata key =
                  client
                      .createKey(
                          b ->
                              b.keySpec(KeySpec.SYMMETRIC_DEFAULT)
                                  .keyUsage(KeyUsageType.ENCRYPT_DECRYPT)
                                  .description("Pipeseal master key " + masterKeyName))
                      .keyMetadata();
              client.createAlias(b -> b.aliasName(alias).targetKeyId(key.keyId()));
              versions.remove(masterKeyName);
              return info(masterKeyName, version(masterKeyName, true));
            }));
  }

  /**
   * RotateKeyOnDemand. AWS rotates asynchronously: the new version shows (and rewrap targets it)
   * once {@code ListKeyRotations} lists the rotation, usually within seconds.
   */
  @Override
  public MasterKeyInfo rotateKey(String masterKeyName) {
    return KmsCalls.await(
        call(
            masterKeyName,
            "rotate key",
            () -> {
              KeyVersion before = version(masterKeyName, true);
              client.rotateKeyOnDemand(b -> b.keyId(before.arn()));
              versions.remove(masterKeyName);
              return info(masterKeyName, version(masterKeyName, true));
            }));
  }

  /** Keys that have an alias (AWS-managed {@code alias/aws/*} excluded), named by the alias. */
  @Override
  public List<MasterKeyInfo> listKeys() {
    return KmsCalls.await(
        call(
            null,
            "list keys",
            () -> {
              List<MasterKeyInfo> out = new ArrayList<>();
              for (AliasListEntry alias : client.listAliasesPaginator(b -> {}).aliases()) {
                String name = alias.aliasName();
                if (alias.targetKeyId() == null || name.startsWith("alias/aws/")) {
                  continue;
                }
                String shortName = name.substring("alias/".length());
                out.add(info(shortName, version(shortName, true, false)));
              }
              out.sort(Comparator.comparing(MasterKeyInfo::name));
              return out;
            }));
  }

  /** Whether AWS's yearly automatic rotation is on for the key (admin display only). */
  public boolean automaticRotationEnabled(String masterKeyName) {
    return KmsCalls.await(
        call(
            masterKeyName,
            "get key rotation status",
            () ->
                client
                    .getKeyRotationStatus(b -> b.keyId(version(masterKeyName, false).arn()))
                    .keyRotationEnabled()));
  }

  @Override
  public void close() {
    executor.shutdown();
    client.close();
  }

  @Override
  public String toString() {
    return "AwsKms[" + config + "]";
  }

  /** A bare name means {@code alias/NAME}; aliases, key ids and ARNs pass as they are. */
  static String keyId(String masterKeyName) {
    if (masterKeyName == null || masterKeyName.isBlank()) {
      throw new KmsConfigException(AwsKmsService.PROVIDER_ID, null, "master key name is empty");
    }
    if (masterKeyName.startsWith("arn:")
        || masterKeyName.startsWith("alias/")
        || KEY_ID.matcher(masterKeyName).matches()) {
      return masterKeyName;
    }
    // A bare name follows the common rule, narrowed: AWS alias names cannot hold '.'.
    MasterKeyNames.check(
        AwsKmsService.PROVIDER_ID,
        masterKeyName,
        MasterKeyNames.MAX_LENGTH,
        false,
        "a bare name means alias/NAME; for other aliases, key ids or ARNs give them whole");
    if (masterKeyName.indexOf('.') >= 0) {
      throw new KmsConfigException(
          AwsKmsService.PROVIDER_ID,
          masterKeyName,
          "invalid master key name: AWS alias names cannot contain '.' (use letters, digits, '_',"
              + " '-')");
    }
    return "alias/" + masterKeyName;
  }

  private static Map<String, String> context(String masterKeyName) {
    return Map.of(CONTEXT_KEY, masterKeyName);
  }

  private void check(WrappedKey wrapped) {
    if (!providerId().equals(wrapped.provider()) || !ALGORITHM.equals(wrapped.algorithm())) {
      throw new InvalidWrappedKeyException(
          providerId(),
          wrapped.masterKeyName(),
          "not an AWS KMS wrapped key: provider '"
              + wrapped.provider()
              + "', algorithm '"
              + wrapped.algorithm()
              + "'");
    }
    checkRegion(wrapped.masterKeyName());
  }

  // A key ARN names its region; a client for another region would only ever answer NotFound.
  private void checkRegion(String masterKeyName) {
    Matcher arn = ARN.matcher(masterKeyName);
    if (arn.matches() && config.region() != null && !arn.group(1).equals(config.region())) {
      throw new KmsConfigException(
          providerId(),
          masterKeyName,
          "the key ARN is in region "
              + arn.group(1)
              + " but this provider is configured for "
              + config.region());
    }
  }

  private KeyVersion version(String masterKeyName, boolean fresh) {
    return version(masterKeyName, fresh, true);
  }

  private KeyVersion version(String masterKeyName, boolean fresh, boolean usable) {
    long now = nanoTime.getAsLong();
    KeyVersion cached = versions.get(masterKeyName);
    if (!fresh && cached != null && now - cached.expiresAt() < 0) {
      return cached;
    }
    checkRegion(masterKeyName);
    KeyMetadata key = client.describeKey(b -> b.keyId(keyId(masterKeyName))).keyMetadata();
    if (usable) {
      checkUsable(masterKeyName, key);
    }
    int rotations = 0;
    List<java.time.Instant> rotated = new ArrayList<>();
    String marker = null;
    do {
      String from = marker;
      ListKeyRotationsResponse page = client.listKeyRotations(b -> b.keyId(key.arn()).marker(from));
      rotations += page.rotations().size();
      page.rotations().forEach(r -> rotated.add(r.rotationDate()));
      marker = Boolean.TRUE.equals(page.truncated()) ? page.nextMarker() : null;
    } while (marker != null);
    // Version 1 is the key's own backing key; version n + 1 appeared with the n-th rotation.
    Map<String, java.time.Instant> created = new java.util.HashMap<>();
    if (key.creationDate() != null) {
      created.put("1", key.creationDate());
    }
    if (!rotated.contains(null)) {
      rotated.sort(null);
      for (int i = 0; i < rotated.size(); i++) {
        created.put(Integer.toString(i + 2), rotated.get(i));
      }
    }
    KeyVersion v =
        new KeyVersion(key.arn(), 1 + rotations, now + config.versionTtl().toNanos(), created);
    if (usable) {
      // Only checked keys are reused by generate.
      versions.put(masterKeyName, v);
    }
    return v;
  }

  // Fails closed before generating under a key AWS would refuse anyway (moto would not).
  private void checkUsable(String masterKeyName, KeyMetadata key) {
    if (key.keyState() == KeyState.PENDING_DELETION
        || key.keyState() == KeyState.PENDING_REPLICA_DELETION) {
      throw new UnknownKeyException(
          providerId(), masterKeyName, "the key is scheduled for deletion (" + key.arn() + ")");
    }
    if (key.keyState() == KeyState.DISABLED) {
      throw new AccessDeniedException(
          providerId(), masterKeyName, "the key is disabled (" + key.arn() + ")");
    }
    if (key.keyUsage() != null && key.keyUsage() != KeyUsageType.ENCRYPT_DECRYPT) {
      throw new KmsConfigException(
          providerId(),
          masterKeyName,
          "the key is not a symmetric ENCRYPT_DECRYPT key (usage " + key.keyUsageAsString() + ")");
    }
  }

  private MasterKeyInfo info(String masterKeyName, KeyVersion v) {
    List<String> all = new ArrayList<>(v.version());
    for (int i = 1; i <= v.version(); i++) {
      all.add(Integer.toString(i));
    }
    return new MasterKeyInfo(
        providerId(), masterKeyName, Integer.toString(v.version()), all, v.created());
  }

  private DataKey dataKey(String masterKeyName, SdkBytes plaintext) {
    // The SDK's own array: copied into a DataKey and zeroed, never kept or shown.
    byte[] material = plaintext.asByteArrayUnsafe();
    try {
      if (material.length != DataKey.LENGTH_BYTES) {
        throw new InvalidWrappedKeyException(
            providerId(),
            masterKeyName,
            "KMS returned a " + material.length * 8 + "-bit key where AES-256 was expected");
      }
      return DataKey.copyOf(material);
    } finally {
      DataKey.zero(material);
    }
  }

  private interface Call<T> {
    T run();
  }

  private <T> CompletionStage<T> call(String keyName, String operation, Call<T> body) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            try {
              result.complete(body.run());
            } catch (RuntimeException e) {
              // Typed, with the SDK's exception as the cause.
              result.completeExceptionally(AwsErrors.map(e, keyName, operation));
            } catch (Error e) {
              // Not a KMS answer: the caller sees the Error itself, and the worker thread dies
              // with it (uncaught handler) instead of it turning into a retryable KmsException.
              result.completeExceptionally(e);
              throw e;
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(
          new KmsConfigException(providerId(), keyName, operation + ": client is closed", e));
    }
    return result;
  }

  private static ExecutorService newExecutor(int threads) {
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(
        threads,
        r -> {
          Thread t = new Thread(r, "aws-kms-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }
}
