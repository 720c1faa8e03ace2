package dev.pipeseal.kms.local;

import dev.pipeseal.crypto.PipesealCryptoException;
import dev.pipeseal.crypto.TruncatedCiphertextException;
import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.crypto.aead.RandomNonceGcm;
import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.crypto.key.KeyDestroyedException;
import dev.pipeseal.crypto.key.KeyUsageLimitExceededException;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.MasterKeyNames;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.VersionRetirement;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.storage.AtomicFile;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;

/**
 * Master keys in a PKCS#12 file: one AES-256 secret-key entry per master key version, alias {@code
 * name#version}, versions numbered from 1, the highest being current. DEKs are wrapped with
 * AES-256-GCM under the master key version; the associated data binds provider id, key name and
 * version, so a wrapped key relabelled with another name or version fails to unwrap.
 *
 * <p>Meant for development, tests and single-host deployments: the key store file is the master
 * key, so protect it like one. Admin changes replace the file atomically under a file lock, and
 * readers (also in other processes) pick up the new file on their next call.
 *
 * <p>Operations complete synchronously on the caller's thread: everything is local and short.
 */
public final class LocalKms implements Kms, KmsAdmin, VersionRetirement {
  /** Provider id recorded in wrapped keys. */
  public static final String PROVIDER_ID = "local";

  /** Wrapping algorithm id recorded in wrapped keys. */
  public static final String ALGORITHM = "AES256-GCM";

  /**
   * Wraps allowed per master key version and process: random 96-bit nonces stay safe far below 2^32
   * messages per key, and the key hierarchy keeps real counts tiny.
   */
  static final long MAX_WRAPS_PER_VERSION = 1L << 30;

  // PKCS#12 lower-cases aliases, so names are restricted to lower case rather than silently folded.
  private static final Pattern ALIAS = Pattern.compile("(.+)#([1-9][0-9]{0,8})");
  private static final byte[] AAD_LABEL =
      "pipeseal/local/wrap/v1".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path file;
  private final char[] password;
  private final Object refreshLock = new Object();
  // Every version ever loaded, closed only with the provider: a reader may still hold one after
  // the snapshot that listed it was replaced.
  private final List<MasterVersion> loaded = new CopyOnWriteArrayList<>();
  private volatile Snapshot snapshot;
  private volatile boolean closed;

  private LocalKms(Path file, char[] password) {
    this.file = file;
    this.password = password.clone();
  }

  /**
   * Opens a key store.
   *
   * @param file the PKCS#12 file
   * @param password key store and entry password; copied, the caller may zero its array
   * @param create create an empty key store when the file does not exist
   * @throws KmsConfigException if the file is missing (and {@code create} is false), or cannot be
   *     opened with {@code password}
   */
  public static LocalKms open(Path file, char[] password, boolean create) {
    Objects.requireNonNull(password, "password");
    Path absolute = file.toAbsolutePath().normalize();
    LocalKms kms = new LocalKms(absolute, password);
    try {
      if (create && !Files.exists(absolute)) {
        kms.createEmptyStore();
      }
      kms.current();
      return kms;
    } catch (RuntimeException e) {
      kms.close();
      throw e;
    }
  }

  /** The key store file. */
  public Path file() {
    return file;
  }

  @Override
  public String providerId() {
    return PROVIDER_ID;
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    try {
      Map.Entry<Integer, MasterVersion> current = versions(current(), masterKeyName).lastEntry();
      DataKey dek = DataKey.generate();
      try {
        return CompletableFuture.completedFuture(
            new DataKeyPair(dek, wrap(masterKeyName, current.getKey(), current.getValue(), dek)));
      } catch (RuntimeException e) {
        dek.close();
        throw e;
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(translate(e, masterKeyName));
    }
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    try {
      return CompletableFuture.completedFuture(unwrapNow(wrapped));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(translate(e, wrapped.masterKeyName()));
    }
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    String name = wrapped.masterKeyName();
    try {
      Map.Entry<Integer, MasterVersion> current = versions(current(), name).lastEntry();
      if (String.valueOf(current.getKey()).equals(wrapped.masterKeyVersion())) {
        checkLabels(wrapped);
        return CompletableFuture.completedFuture(wrapped);
      }
      try (DataKey dek = unwrapNow(wrapped)) {
        return CompletableFuture.completedFuture(
            wrap(name, current.getKey(), current.getValue(), dek));
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(translate(e, name));
    }
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    try {
      return CompletableFuture.completedFuture(
          info(masterKeyName, versions(current(), masterKeyName)));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(translate(e, masterKeyName));
    }
  }

  @Override
  public MasterKeyInfo createKey(String masterKeyName) {
    checkName(masterKeyName);
    return mutate(
        masterKeyName,
        store -> {
          if (!versionsIn(store, masterKeyName).isEmpty()) {
            throw new KmsException(
                PROVIDER_ID, masterKeyName, "master key already exists in " + file);
          }
          addVersion(store, masterKeyName, 1);
          return 1;
        });
  }

  @Override
  public MasterKeyInfo rotateKey(String masterKeyName) {
    return mutate(
        masterKeyName,
        store -> {
          List<Integer> existing = versionsIn(store, masterKeyName);
          if (existing.isEmpty()) {
            throw unknown(masterKeyName, "no such master key in " + file);
          }
          int next = Collections.max(existing) + 1;
          addVersion(store, masterKeyName, next);
          return next;
        });
  }

  @Override
  public List<MasterKeyInfo> listKeys() {
    Snapshot s = current();
    List<MasterKeyInfo> out = new ArrayList<>();
    for (Map.Entry<String, NavigableMap<Integer, MasterVersion>> e : s.keys().entrySet()) {
      out.add(info(e.getKey(), e.getValue()));
    }
    return out;
  }

  /** Deletes the version's entry from the key store file; the current version is refused. */
  @Override
  public MasterKeyInfo retireVersion(String masterKeyName, String version) {
    int v = parseVersion(masterKeyName, version);
    return mutate(
        masterKeyName,
        store -> {
          List<Integer> existing = versionsIn(store, masterKeyName);
          if (existing.isEmpty()) {
            throw unknown(masterKeyName, "no such master key in " + file);
          }
          if (!existing.contains(v)) {
            throw unknown(masterKeyName, "master key version " + v + " does not exist in " + file);
          }
          if (v == Collections.max(existing)) {
            throw new KmsException(
                PROVIDER_ID,
                masterKeyName,
                "version " + v + " is the current version; rotate the key before retiring it");
          }
          try {
            store.deleteEntry(masterKeyName + "#" + v);
          } catch (GeneralSecurityException e) {
            throw new KmsException(
                PROVIDER_ID, masterKeyName, "cannot delete version " + v + ": " + e.getMessage());
          }
          return v;
        });
  }

  @Override
  public String retirementMeaning() {
    return "the version's entry is deleted from the key store file " + file;
  }

  @Override
  public void close() {
    closed = true;
    for (MasterVersion v : loaded) {
      v.close();
    }
    loaded.clear();
    Arrays.fill(password, '\0');
  }

  // ---- wrapping

  private WrappedKey wrap(String name, int version, MasterVersion master, DataKey dek) {
    byte[] aad = aad(name, version);
    byte[] wrapped = dek.withMaterial(material -> master.aead().encrypt(material, aad));
    return new WrappedKey(PROVIDER_ID, name, String.valueOf(version), ALGORITHM, wrapped);
  }

  private DataKey unwrapNow(WrappedKey wrapped) {
    checkLabels(wrapped);
    String name = wrapped.masterKeyName();
    int version = parseVersion(name, wrapped.masterKeyVersion());
    MasterVersion master = versions(current(), name).get(version);
    if (master == null) {
      throw unknown(name, "master key version " + version + " does not exist in " + file);
    }
    byte[] plain = null;
    try {
      plain = master.aead().decrypt(wrapped.bytes(), aad(name, version));
      if (plain.length != DataKey.LENGTH_BYTES) {
        throw invalid(name, version, "unwrapped key has " + plain.length + " bytes");
      }
      return DataKey.copyOf(plain);
    } catch (AuthenticationFailedException e) {
      throw invalid(
          name,
          version,
          "authentication failed: wrapped key was tampered with, relabelled, or wrapped by another"
              + " key store");
    } catch (TruncatedCiphertextException e) {
      throw invalid(name, version, "wrapped key is truncated");
    } finally {
      DataKey.zero(plain);
    }
  }

  private static void checkLabels(WrappedKey wrapped) {
    if (!PROVIDER_ID.equals(wrapped.provider())) {
      throw new InvalidWrappedKeyException(
          PROVIDER_ID,
          wrapped.masterKeyName(),
          "key was wrapped by provider '" + wrapped.provider() + "', not by this one");
    }
    if (!ALGORITHM.equals(wrapped.algorithm())) {
      throw new InvalidWrappedKeyException(
          PROVIDER_ID,
          wrapped.masterKeyName(),
          "unsupported wrapping algorithm '" + wrapped.algorithm() + "'");
    }
  }

  /** Length-prefixed so that no two (name, version) pairs give the same bytes. */
  static byte[] aad(String name, int version) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(AAD_LABEL);
      out.writeUTF(PROVIDER_ID);
      out.writeUTF(name);
      out.writeInt(version);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static int parseVersion(String name, String version) {
    try {
      int v = Integer.parseInt(version);
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw unknown(name, "master key version '" + version + "' does not exist");
  }

  // ---- reading the store

  /** One version's key; {@code created} is the entry's creation time (null if not recorded). */
  private record MasterVersion(DataKey key, RandomNonceGcm aead, Instant created) {
    void close() {
      aead.close();
      key.close();
    }
  }

  private record Snapshot(
      Object identity, Map<String, NavigableMap<Integer, MasterVersion>> keys) {}

  private NavigableMap<Integer, MasterVersion> versions(Snapshot s, String name) {
    NavigableMap<Integer, MasterVersion> v = s.keys().get(name);
    if (v == null) {
      throw unknown(name, "no such master key in " + file);
    }
    return v;
  }

  private static MasterKeyInfo info(String name, NavigableMap<Integer, MasterVersion> versions) {
    List<String> all = new ArrayList<>();
    Map<String, Instant> created = new HashMap<>();
    for (Map.Entry<Integer, MasterVersion> v : versions.entrySet()) {
      all.add(String.valueOf(v.getKey()));
      if (v.getValue().created() != null) {
        created.put(String.valueOf(v.getKey()), v.getValue().created());
      }
    }
    return new MasterKeyInfo(PROVIDER_ID, name, String.valueOf(versions.lastKey()), all, created);
  }

  /** The store as of now; reloads only when the file was replaced (new inode, time or size). */
  private Snapshot current() {
    if (closed) {
      throw new KmsException(PROVIDER_ID, null, "local key store " + file + " is closed");
    }
    Object identity = identity();
    Snapshot s = snapshot;
    if (s != null && s.identity().equals(identity)) {
      return s;
    }
    synchronized (refreshLock) {
      s = snapshot;
      if (s != null && s.identity().equals(identity)) {
        return s;
      }
      s = load(identity, s);
      snapshot = s;
      return s;
    }
  }

  private Object identity() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return Arrays.asList(a.fileKey(), a.lastModifiedTime(), a.size());
    } catch (NoSuchFileException e) {
      throw new KmsConfigException(PROVIDER_ID, null, "key store " + file + " does not exist");
    } catch (IOException e) {
      throw new KmsConfigException(
          PROVIDER_ID, null, "key store " + file + " cannot be read: " + e.getMessage());
    }
  }

  private Snapshot load(Object identity, Snapshot previous) {
    KeyStore store = readStore();
    Map<String, NavigableMap<Integer, MasterVersion>> keys = new TreeMap<>();
    try {
      for (String alias : Collections.list(store.aliases())) {
        Matcher m = ALIAS.matcher(alias);
        if (!m.matches() || !store.entryInstanceOf(alias, KeyStore.SecretKeyEntry.class)) {
          continue; // not ours: other entries may share the file
        }
        String name = m.group(1);
        int version = Integer.parseInt(m.group(2));
        MasterVersion v = previous == null ? null : previousVersion(previous, name, version);
        if (v == null) {
          v = loadVersion(store, alias, name);
        }
        keys.computeIfAbsent(name, n -> new TreeMap<>()).put(version, v);
      }
    } catch (GeneralSecurityException e) {
      throw cannotOpen(e);
    }
    Map<String, NavigableMap<Integer, MasterVersion>> frozen = new TreeMap<>();
    keys.forEach((k, v) -> frozen.put(k, Collections.unmodifiableNavigableMap(v)));
    return new Snapshot(identity, Collections.unmodifiableMap(frozen));
  }

  private static MasterVersion previousVersion(Snapshot previous, String name, int version) {
    NavigableMap<Integer, MasterVersion> v = previous.keys().get(name);
    return v == null ? null : v.get(version);
  }

  private MasterVersion loadVersion(KeyStore store, String alias, String name)
      throws GeneralSecurityException {
    KeyStore.Entry entry = store.getEntry(alias, new KeyStore.PasswordProtection(password));
    byte[] material = ((KeyStore.SecretKeyEntry) entry).getSecretKey().getEncoded();
    try {
      if (material == null || material.length != DataKey.LENGTH_BYTES) {
        throw new KmsConfigException(
            PROVIDER_ID, name, "key store entry '" + alias + "' is not an AES-256 key");
      }
      DataKey key = DataKey.copyOf(material, MAX_WRAPS_PER_VERSION);
      // PKCS#12 keeps each entry's creation time (in its local key id), across rewrites of the
      // file.
      Date date = store.getCreationDate(alias);
      MasterVersion v =
          new MasterVersion(
              key, RandomNonceGcm.create(key), date == null ? null : date.toInstant());
      loaded.add(v);
      return v;
    } finally {
      DataKey.zero(material);
    }
  }

  private KeyStore readStore() {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      return store;
    } catch (NoSuchFileException e) {
      throw new KmsConfigException(PROVIDER_ID, null, "key store " + file + " does not exist");
    } catch (IOException | GeneralSecurityException e) {
      throw cannotOpen(e);
    }
  }

  private KmsConfigException cannotOpen(Exception e) {
    // The JDK's message says nothing secret, but the cause chain is not ours to vouch for.
    return new KmsConfigException(
        PROVIDER_ID,
        null,
        "key store "
            + file
            + " could not be opened (wrong password or damaged file): "
            + e.getClass().getSimpleName());
  }

  // ---- changing the store

  private MasterKeyInfo mutate(String name, Function<KeyStore, Integer> change) {
    if (closed) {
      throw new KmsException(PROVIDER_ID, name, "local key store " + file + " is closed");
    }
    withFileLock(
        () -> {
          KeyStore store = readStore();
          change.apply(store);
          writeAtomically(store);
        });
    return info(name, versions(current(), name));
  }

  private void createEmptyStore() {
    withFileLock(
        () -> {
          if (Files.exists(file)) {
            return;
          }
          try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, password);
            writeAtomically(store);
          } catch (IOException | GeneralSecurityException e) {
            throw new KmsConfigException(
                PROVIDER_ID, null, "cannot create key store " + file + ": " + e.getMessage());
          }
        });
  }

  private void withFileLock(Runnable action) {
    try {
      AtomicFile.withLock(file, action::run);
    } catch (IOException e) {
      throw new KmsConfigException(
          PROVIDER_ID, null, "cannot lock key store " + file + ": " + e.getMessage());
    }
  }

  private void addVersion(KeyStore store, String name, int version) {
    byte[] material = new byte[DataKey.LENGTH_BYTES];
    RANDOM.nextBytes(material);
    try {
      store.setEntry(
          name + "#" + version,
          new KeyStore.SecretKeyEntry(new SecretKeySpec(material, "AES")),
          new KeyStore.PasswordProtection(password));
    } catch (GeneralSecurityException e) {
      throw new KmsException(
          PROVIDER_ID, name, "cannot add version " + version + ": " + e.getMessage());
    } finally {
      DataKey.zero(material);
    }
  }

  private static List<Integer> versionsIn(KeyStore store, String name) {
    List<Integer> out = new ArrayList<>();
    try {
      for (String alias : Collections.list(store.aliases())) {
        Matcher m = ALIAS.matcher(alias);
        if (m.matches() && m.group(1).equals(name)) {
          out.add(Integer.parseInt(m.group(2)));
        }
      }
    } catch (GeneralSecurityException e) {
      throw new KmsException(PROVIDER_ID, name, "cannot list key store: " + e.getMessage());
    }
    return out;
  }

  /** Temp file in the same directory, fsync, atomic rename, fsync the directory. */
  private void writeAtomically(KeyStore store) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      store.store(out, password);
      AtomicFile.write(file, out.toByteArray());
    } catch (IOException | GeneralSecurityException e) {
      throw new KmsConfigException(
          PROVIDER_ID, null, "cannot write key store " + file + ": " + e.getMessage());
    }
  }

  // ---- errors

  private static void checkName(String name) {
    MasterKeyNames.check(
        PROVIDER_ID, name, MasterKeyNames.MAX_LENGTH, true, "PKCS#12 aliases are case-insensitive");
  }

  private static UnknownKeyException unknown(String name, String message) {
    return new UnknownKeyException(PROVIDER_ID, name, message);
  }

  private static InvalidWrappedKeyException invalid(String name, int version, String message) {
    return new InvalidWrappedKeyException(PROVIDER_ID, name, "version " + version + ": " + message);
  }

  private static KmsException translate(RuntimeException e, String name) {
    if (e instanceof KmsException k) {
      return k;
    }
    if (e instanceof KeyUsageLimitExceededException) {
      return new KmsException(
          PROVIDER_ID, name, "master key version reached its wrap limit; rotate the master key");
    }
    if (e instanceof KeyDestroyedException) {
      return new KmsException(PROVIDER_ID, name, "local key store is closed");
    }
    if (e instanceof PipesealCryptoException) {
      return new KmsException(PROVIDER_ID, name, "crypto failure: " + e.getMessage());
    }
    return new KmsException(PROVIDER_ID, name, "unexpected failure: " + e, e);
  }
}
