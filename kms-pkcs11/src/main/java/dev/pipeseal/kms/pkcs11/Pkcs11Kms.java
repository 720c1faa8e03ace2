package dev.pipeseal.kms.pkcs11;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsUnavailableException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.MasterKeyNames;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.VersionRetirement;
import dev.pipeseal.kms.WrappedKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Master keys in a PKCS#11 token, used through SunPKCS11.
 *
 * <p>Each master key version is a separate AES-256 token object labelled {@code name#version},
 * generated sensitive and non-extractable, so key bytes never leave the HSM. A DEK is generated in
 * the JVM and wrapped with one single-shot {@code AES/GCM/NoPadding} call inside the HSM; wrapped
 * bytes are {@code nonce(12) || ciphertext(32) || tag(16)}.
 *
 * <p>Blocking PKCS#11 calls run on a fixed pool of {@link Pkcs11Config#threads()} threads, which
 * also bounds the sessions used concurrently; SunPKCS11 pools sessions and every call gets its own
 * {@link Cipher}. The key catalog (labels) is cached and reread after {@link
 * Pkcs11Config#refresh()} or when a requested key is not in it.
 */
public final class Pkcs11Kms implements Kms, KmsAdmin, VersionRetirement {
  /** Wrapping algorithm id recorded in wrapped keys. */
  public static final String ALGORITHM = "PKCS11-AES256-GCM";

  static final int NONCE_BYTES = 12;
  static final int TAG_BYTES = 16;
  static final int WRAPPED_BYTES = NONCE_BYTES + DataKey.LENGTH_BYTES + TAG_BYTES;

  private static final String VERSION_SEPARATOR = "#";
  private static final int MAX_NAME_LENGTH = 64;
  private static final Pattern LABEL =
      Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]{0,63})#([1-9][0-9]{0,8})");
  private static final Pattern CKR = Pattern.compile("CKR_[A-Z_]+");
  private static final byte[] AAD_PREFIX = "pipeseal-wrap-v1".getBytes(StandardCharsets.US_ASCII);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final Pkcs11Config config;
  private final Provider provider;
  private final ExecutorService executor;
  private final SecureRandom random = new SecureRandom();
  private final Object catalogLock = new Object();
  private final Map<String, SecretKey> keys = new ConcurrentHashMap<>();
  private volatile Map<String, NavigableMap<Integer, String>> catalog = Map.of();
  private volatile Instant catalogTime = Instant.EPOCH;

  private Pkcs11Kms(Pkcs11Config config, Provider provider) {
    this.config = config;
    this.provider = provider;
    AtomicInteger threads = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            config.threads(),
            r -> {
              Thread t = new Thread(r, "pipeseal-pkcs11-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Loads the module, selects the token and logs in.
   *
   * @throws KmsConfigException if the module, token or PIN is wrong (the message never holds the
   *     PIN)
   */
  public static Pkcs11Kms open(Pkcs11Config config) {
    long slot =
        config.slot() != null
            ? config.slot()
            : config.tokenLabel() != null
                ? TokenLabels.slotOf(config.library(), config.tokenLabel())
                : -1;
    Provider base = Security.getProvider("SunPKCS11");
    if (base == null) {
      throw Pkcs11Config.config("this JVM has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
    }
    Provider provider;
    try {
      provider = base.configure("--" + providerConfig(config, slot));
    } catch (RuntimeException e) {
      throw Pkcs11Config.config(
          "cannot load PKCS#11 module "
              + config.library()
              + " for "
              + config.tokenDescription()
              + ": "
              + rootMessage(e));
    }
    Pkcs11Kms kms = new Pkcs11Kms(config, provider);
    char[] pin;
    try {
      pin = config.readPin();
    } catch (RuntimeException e) {
      kms.close();
      throw e;
    }
    try {
      KeyStore.getInstance("PKCS11", provider).load(null, pin);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      kms.close();
      throw new KmsConfigException(
          Pkcs11Config.PROVIDER,
          null,
          "login to "
              + config.tokenDescription()
              + " failed ("
              + ckr(e, "no PKCS#11 error code")
              + "): wrong PIN, locked or missing token",
          null);
    } finally {
      Arrays.fill(pin, '\0');
    }
    try {
      kms.refresh();
    } catch (RuntimeException e) {
      kms.close();
      throw e;
    }
    return kms;
  }

  private static String providerConfig(Pkcs11Config config, long slot) {
    StringBuilder c = new StringBuilder();
    c.append("name = pipeseal-").append(INSTANCES.incrementAndGet()).append('\n');
    c.append("library = \"").append(config.library()).append("\"\n");
    if (slot >= 0 || config.slotListIndex() == null) {
      c.append("slot = ").append(slot).append('\n');
    } else {
      c.append("slotListIndex = ").append(config.slotListIndex()).append('\n');
    }
    // Generated keys start as session objects; the key store copies them to the token with their
    // label, keeping CKA_SENSITIVE and CKA_EXTRACTABLE as set here.
    c.append("attributes(generate, CKO_SECRET_KEY, CKK_AES) = {\n")
        .append("  CKA_TOKEN = false\n")
        .append("  CKA_SENSITIVE = true\n")
        .append("  CKA_EXTRACTABLE = false\n")
        .append("  CKA_ENCRYPT = true\n")
        .append("  CKA_DECRYPT = true\n")
        .append("}\n");
    return c.toString();
  }

  @Override
  public String providerId() {
    return Pkcs11Config.PROVIDER;
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return async(
        () -> {
          int version = currentVersion(masterKeyName);
          SecretKey master = masterKey(masterKeyName, version);
          DataKey dek = DataKey.generate();
          try {
            return new DataKeyPair(dek, wrap(masterKeyName, version, master, dek));
          } catch (RuntimeException e) {
            dek.close();
            throw e;
          }
        });
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    return async(() -> unwrapNow(wrapped));
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    return async(
        () -> {
          checkOurs(wrapped);
          String name = wrapped.masterKeyName();
          int version = parseVersion(wrapped);
          int current = currentVersion(name);
          if (version > current) {
            // Rotated by another process since our catalog was read: never rewrap downwards.
            refresh();
            current = versionsOf(name).lastKey();
          }
          if (version >= current) {
            return wrapped;
          }
          try (DataKey dek = unwrapNow(wrapped)) {
            return wrap(name, current, masterKey(name, current), dek);
          }
        });
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    return async(
        () -> {
          refresh();
          return info(masterKeyName, versionsOf(masterKeyName));
        });
  }

  @Override
  public MasterKeyInfo createKey(String masterKeyName) {
    checkName(masterKeyName);
    synchronized (catalogLock) {
      refresh();
      if (catalog.containsKey(masterKeyName)) {
        throw new KmsException(
            providerId(),
            masterKeyName,
            "master key already exists in " + config.tokenDescription());
      }
      generateVersion(masterKeyName, 1);
      return info(masterKeyName, versionsOf(masterKeyName));
    }
  }

  @Override
  public MasterKeyInfo rotateKey(String masterKeyName) {
    checkName(masterKeyName);
    synchronized (catalogLock) {
      refresh();
      generateVersion(masterKeyName, versionsOf(masterKeyName).lastKey() + 1);
      return info(masterKeyName, versionsOf(masterKeyName));
    }
  }

  /**
   * Destroys the version's token object ({@code C_DestroyObject} through the key store); the
   * current version is refused. The HSM keeps no copy, so what it wrapped cannot be unwrapped
   * again.
   */
  @Override
  public MasterKeyInfo retireVersion(String masterKeyName, String version) {
    checkName(masterKeyName);
    int v;
    try {
      v = Integer.parseInt(version);
    } catch (NumberFormatException e) {
      throw new UnknownKeyException(
          providerId(), masterKeyName, "master key version '" + version + "' does not exist");
    }
    synchronized (catalogLock) {
      refresh();
      NavigableMap<Integer, String> versions = versionsOf(masterKeyName);
      if (!versions.containsKey(v)) {
        throw new UnknownKeyException(
            providerId(),
            masterKeyName,
            "version " + v + " does not exist in " + config.tokenDescription());
      }
      if (v == versions.lastKey()) {
        throw new KmsException(
            providerId(),
            masterKeyName,
            "version " + v + " is the current version; rotate the key before retiring it");
      }
      String alias = versions.get(v);
      try {
        loadedKeyStore().deleteEntry(alias);
      } catch (GeneralSecurityException | java.security.ProviderException e) {
        throw failure(masterKeyName, "cannot destroy version " + v, e);
      }
      keys.remove(alias);
      refresh();
      return info(masterKeyName, versionsOf(masterKeyName));
    }
  }

  @Override
  public String retirementMeaning() {
    return "the version's token object is destroyed on " + config.tokenDescription();
  }

  @Override
  public List<MasterKeyInfo> listKeys() {
    refresh();
    List<MasterKeyInfo> out = new ArrayList<>();
    for (var e : new TreeMap<>(catalog).entrySet()) {
      out.add(info(e.getKey(), e.getValue()));
    }
    return out;
  }

  @Override
  public void close() {
    // No logout: PKCS#11 login state is per process and token, shared with other instances.
    executor.shutdown();
    keys.clear();
  }

  /** The token object of one version, for tests that check it cannot be extracted. */
  SecretKey masterKey(String name, int version) {
    String alias = name + VERSION_SEPARATOR + version;
    SecretKey key = keys.get(alias);
    if (key != null) {
      return key;
    }
    if (!versionsOf(name).containsKey(version)) {
      refresh();
      if (!versionsOf(name).containsKey(version)) {
        throw new UnknownKeyException(
            providerId(),
            name,
            "version " + version + " does not exist in " + config.tokenDescription());
      }
    }
    synchronized (catalogLock) {
      try {
        KeyStore store = loadedKeyStore();
        Key k = store.getKey(alias, null);
        if (!(k instanceof SecretKey secret)) {
          throw new UnknownKeyException(
              providerId(), name, "token object " + alias + " is not a secret key");
        }
        keys.put(alias, secret);
        return secret;
      } catch (GeneralSecurityException e) {
        throw failure(name, "cannot look up token object " + alias, e);
      }
    }
  }

  Provider provider() {
    return provider;
  }

  private DataKey unwrapNow(WrappedKey wrapped) {
    checkOurs(wrapped);
    String name = wrapped.masterKeyName();
    int version = parseVersion(wrapped);
    SecretKey master = masterKey(name, version);
    byte[] bytes = wrapped.bytes();
    byte[] plain = null;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding", provider);
      cipher.init(
          Cipher.DECRYPT_MODE, master, new GCMParameterSpec(TAG_BYTES * 8, bytes, 0, NONCE_BYTES));
      cipher.updateAAD(aad(name, String.valueOf(version)));
      // Single shot: multi-part GCM through SunPKCS11 loses data.
      plain = cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES);
      if (plain.length != DataKey.LENGTH_BYTES) {
        throw new InvalidWrappedKeyException(providerId(), name, "unwrapped key has wrong length");
      }
      return DataKey.copyOf(plain);
    } catch (AEADBadTagException e) {
      throw new InvalidWrappedKeyException(
          providerId(),
          name,
          "wrapped key failed authentication under version "
              + version
              + " (tampered or mislabelled)");
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      if (ckr(e, "").equals("CKR_GENERAL_ERROR")
          || ckr(e, "").equals("CKR_ENCRYPTED_DATA_INVALID")) {
        // SoftHSM reports a failed GCM tag check as a general error.
        throw new InvalidWrappedKeyException(
            providerId(), name, "wrapped key failed authentication under version " + version);
      }
      throw failure(name, "unwrap failed", e);
    } finally {
      DataKey.zero(plain);
    }
  }

  private WrappedKey wrap(String name, int version, SecretKey master, DataKey dek) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    byte[] sealed;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding", provider);
      cipher.init(Cipher.ENCRYPT_MODE, master, new GCMParameterSpec(TAG_BYTES * 8, nonce));
      cipher.updateAAD(aad(name, String.valueOf(version)));
      sealed =
          dek.withMaterial(
              material -> {
                try {
                  return cipher.doFinal(material);
                } catch (GeneralSecurityException e) {
                  throw new WrapFailure(e);
                }
              });
    } catch (WrapFailure e) {
      throw failure(name, "wrap failed", e.getCause());
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw failure(name, "wrap failed", e);
    }
    if (sealed.length != DataKey.LENGTH_BYTES + TAG_BYTES) {
      throw new KmsException(
          providerId(), name, "HSM returned " + sealed.length + " wrapped bytes");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(WRAPPED_BYTES);
    out.writeBytes(nonce);
    out.writeBytes(sealed);
    return new WrappedKey(
        providerId(), name, String.valueOf(version), ALGORITHM, out.toByteArray());
  }

  /** Binds the wrapped bytes to where they belong, so a relabelled record fails to unwrap. */
  private byte[] aad(String name, String version) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    out.writeBytes(AAD_PREFIX);
    for (String part : new String[] {providerId(), name, version, ALGORITHM}) {
      byte[] b = part.getBytes(StandardCharsets.UTF_8);
      out.write(b.length >>> 8);
      out.write(b.length);
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  private void checkOurs(WrappedKey wrapped) {
    String name = wrapped.masterKeyName();
    if (!providerId().equals(wrapped.provider())) {
      throw new InvalidWrappedKeyException(
          providerId(),
          name,
          "wrapped by provider '" + wrapped.provider() + "', not " + providerId());
    }
    if (!ALGORITHM.equals(wrapped.algorithm())) {
      throw new InvalidWrappedKeyException(
          providerId(), name, "unsupported wrapping algorithm '" + wrapped.algorithm() + "'");
    }
    if (wrapped.bytes().length != WRAPPED_BYTES) {
      throw new InvalidWrappedKeyException(
          providerId(),
          name,
          "wrapped key is " + wrapped.bytes().length + " bytes, expected " + WRAPPED_BYTES);
    }
    parseVersion(wrapped);
  }

  private int parseVersion(WrappedKey wrapped) {
    String v = wrapped.masterKeyVersion();
    if (!v.matches("[1-9][0-9]{0,8}")) {
      throw new InvalidWrappedKeyException(
          providerId(), wrapped.masterKeyName(), "invalid master key version '" + v + "'");
    }
    return Integer.parseInt(v);
  }

  private int currentVersion(String name) {
    if (Instant.now().isAfter(catalogTime.plus(config.refresh()))) {
      refresh();
    }
    return versionsOf(name).lastKey();
  }

  private NavigableMap<Integer, String> versionsOf(String name) {
    NavigableMap<Integer, String> versions = catalog.get(name);
    if (versions == null) {
      refresh();
      versions = catalog.get(name);
    }
    if (versions == null) {
      throw new UnknownKeyException(
          providerId(), name, "no such master key in " + config.tokenDescription());
    }
    return versions;
  }

  /** Rereads the labels of the token's secret keys. */
  private void refresh() {
    synchronized (catalogLock) {
      Map<String, NavigableMap<Integer, String>> next = new TreeMap<>();
      try {
        KeyStore store = loadedKeyStore();
        for (String alias : Collections.list(store.aliases())) {
          Matcher m = LABEL.matcher(alias);
          if (m.matches() && store.entryInstanceOf(alias, KeyStore.SecretKeyEntry.class)) {
            next.computeIfAbsent(m.group(1), n -> new TreeMap<>())
                .put(Integer.parseInt(m.group(2)), alias);
          }
        }
      } catch (GeneralSecurityException e) {
        throw failure(null, "cannot list token objects", e);
      }
      next.replaceAll((n, v) -> Collections.unmodifiableNavigableMap(v));
      catalog = Collections.unmodifiableMap(next);
      catalogTime = Instant.now();
    }
  }

  private KeyStore loadedKeyStore() throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS11", provider);
    try {
      store.load(null, null); // already logged in by open()
    } catch (IOException e) {
      throw new KmsUnavailableException(
          providerId(),
          null,
          "cannot read " + config.tokenDescription() + ": " + ckr(e, "I/O error"),
          e);
    }
    return store;
  }

  private void generateVersion(String name, int version) {
    String alias = name + VERSION_SEPARATOR + version;
    try {
      KeyGenerator generator = KeyGenerator.getInstance("AES", provider);
      generator.init(256);
      SecretKey sessionKey = generator.generateKey();
      KeyStore store = loadedKeyStore();
      // setEntry on an existing label would destroy that key (and every DEK it wrapped): refuse
      // if another process created this version since our catalog was read.
      if (store.containsAlias(alias)) {
        throw new KmsException(
            providerId(),
            name,
            "version " + version + " was just created by another process; retry the rotation");
      }
      store.setEntry(alias, new KeyStore.SecretKeyEntry(sessionKey), null);
    } catch (GeneralSecurityException | java.security.ProviderException e) {
      throw failure(name, "cannot create version " + version, e);
    }
    refresh();
  }

  private MasterKeyInfo info(String name, NavigableMap<Integer, String> versions) {
    List<String> names = versions.keySet().stream().map(String::valueOf).toList();
    return new MasterKeyInfo(providerId(), name, String.valueOf(versions.lastKey()), names);
  }

  private void checkName(String name) {
    Objects.requireNonNull(name, "masterKeyName");
    MasterKeyNames.check(
        providerId(), name, MAX_NAME_LENGTH, false, "the version suffix must fit the token label");
  }

  private KmsException failure(String name, String what, Throwable e) {
    String code = ckr(e, e.getClass().getSimpleName());
    if (code.startsWith("CKR_DEVICE")
        || code.startsWith("CKR_SESSION")
        || code.startsWith("CKR_TOKEN_NOT")
        || code.equals("CKR_USER_NOT_LOGGED_IN")) {
      return new KmsUnavailableException(providerId(), name, what + ": " + code, e);
    }
    return new KmsException(providerId(), name, what + ": " + code, e);
  }

  /** The PKCS#11 return code in an exception chain; codes never contain key material or PINs. */
  private static String ckr(Throwable e, String fallback) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        Matcher m = CKR.matcher(t.getMessage());
        if (m.find()) {
          return m.group();
        }
      }
    }
    return fallback;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }

  private <T> CompletionStage<T> async(Supplier<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            try {
              result.complete(task.get());
            } catch (Throwable t) {
              result.completeExceptionally(t);
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new KmsException(providerId(), null, "provider is closed", e));
    }
    return result;
  }

  /** Carries a checked exception out of {@link DataKey#withMaterial}. */
  private static final class WrapFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WrapFailure(GeneralSecurityException cause) {
      super(cause);
    }
  }

  @Override
  public String toString() {
    return "Pkcs11Kms[" + config.tokenDescription() + ", " + config.library() + "]";
  }
}
