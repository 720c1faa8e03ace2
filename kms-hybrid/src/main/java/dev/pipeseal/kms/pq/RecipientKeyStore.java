package dev.pipeseal.kms.pq;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.storage.AtomicFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;

/**
 * Recipient private keys in a password-protected PKCS#12 file: one secret-key entry per recipient
 * key version, alias {@code name#version}, holding the 32-byte X-Wing seed (stored under the
 * PKCS#12 secret-key type "AES" because that is what the JDK's PKCS#12 accepts for raw 32-byte
 * secrets; it is never used as an AES key). Seeds are expanded to key pairs once per load and kept
 * in memory until the store is closed.
 */
final class RecipientKeyStore implements PrivateKeyStore {
  private static final Pattern ALIAS = Pattern.compile("(.+)#([1-9][0-9]{0,8})");

  private final Path file;
  private final char[] password;
  // Every key pair ever expanded, destroyed with the store: a reader may still hold one.
  private final Map<String, XWing.PrivateKeyPair> expanded = new HashMap<>();
  private volatile Snapshot snapshot;

  private record Snapshot(Object identity, Map<String, XWing.PrivateKeyPair> keys) {}

  private RecipientKeyStore(Path file, char[] password) {
    this.file = file;
    this.password = password.clone();
  }

  /** Opens (and with {@code create}, creates an empty) store; fails if it cannot be read. */
  static RecipientKeyStore open(Path file, char[] password, boolean create) {
    RecipientKeyStore store = new RecipientKeyStore(file.toAbsolutePath().normalize(), password);
    try {
      if (create && !Files.exists(store.file)) {
        store.createEmpty();
      }
      store.current();
      return store;
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  @Override
  public String location() {
    return file.toString();
  }

  @Override
  public XWing.PrivateKeyPair get(String name, int version) {
    return current().keys().get(name + "#" + version);
  }

  @Override
  public byte[] create(String name, int version, SecureRandom random) {
    byte[] seed = new byte[XWing.SEED_BYTES];
    random.nextBytes(seed);
    try {
      XWing.PrivateKeyPair pair = XWing.fromSeed(seed);
      byte[] publicKey = pair.publicKey();
      pair.destroy();
      add(name, version, seed);
      return publicKey;
    } catch (java.security.GeneralSecurityException e) {
      throw config("key generation failed: " + e.getClass().getSimpleName());
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /** Adds a version (admin). The caller zeroes {@code seed}. */
  private void add(String name, int version, byte[] seed) {
    try {
      AtomicFile.withLock(
          file,
          () -> {
            KeyStore store = read();
            String alias = name + "#" + version;
            try {
              if (store.containsAlias(alias)) {
                throw config("recipient '" + name + "' version " + version + " already exists");
              }
              store.setEntry(
                  alias,
                  new KeyStore.SecretKeyEntry(new SecretKeySpec(seed, "AES")),
                  new KeyStore.PasswordProtection(password));
            } catch (GeneralSecurityException e) {
              throw config("cannot add a key to " + file + ": " + e.getClass().getSimpleName());
            }
            write(store);
          });
    } catch (IOException e) {
      throw config("cannot update " + file + ": " + e.getClass().getSimpleName());
    }
  }

  @Override
  public synchronized void close() {
    for (XWing.PrivateKeyPair k : expanded.values()) {
      k.destroy();
    }
    expanded.clear();
    Arrays.fill(password, '\0');
  }

  private Snapshot current() {
    Object identity = identity();
    Snapshot s = snapshot;
    if (s != null && s.identity().equals(identity)) {
      return s;
    }
    synchronized (this) {
      s = snapshot;
      if (s == null || !s.identity().equals(identity)) {
        s = load(identity);
        snapshot = s;
      }
      return s;
    }
  }

  private Snapshot load(Object identity) {
    KeyStore store = read();
    Map<String, XWing.PrivateKeyPair> keys = new HashMap<>();
    try {
      for (String alias : Collections.list(store.aliases())) {
        Matcher m = ALIAS.matcher(alias);
        if (!m.matches() || !store.entryInstanceOf(alias, KeyStore.SecretKeyEntry.class)) {
          continue;
        }
        XWing.PrivateKeyPair pair = expanded.get(alias);
        if (pair == null) {
          KeyStore.Entry entry = store.getEntry(alias, new KeyStore.PasswordProtection(password));
          byte[] seed = ((KeyStore.SecretKeyEntry) entry).getSecretKey().getEncoded();
          try {
            if (seed == null || seed.length != XWing.SEED_BYTES) {
              throw config("entry '" + alias + "' in " + file + " is not a recipient key");
            }
            pair = XWing.fromSeed(seed);
          } finally {
            if (seed != null) {
              Arrays.fill(seed, (byte) 0);
            }
          }
          expanded.put(alias, pair);
        }
        keys.put(alias, pair);
      }
    } catch (GeneralSecurityException e) {
      throw cannotOpen(e);
    }
    return new Snapshot(identity, Map.copyOf(keys));
  }

  private KeyStore read() {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      return store;
    } catch (NoSuchFileException e) {
      throw config("private key store " + file + " does not exist");
    } catch (IOException | GeneralSecurityException e) {
      throw cannotOpen(e);
    }
  }

  private void write(KeyStore store) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      store.store(out, password);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encode key store: " + e.getClass().getSimpleName());
    }
    AtomicFile.write(file, out.toByteArray());
  }

  private void createEmpty() {
    try {
      AtomicFile.withLock(
          file,
          () -> {
            if (Files.exists(file)) {
              return;
            }
            KeyStore store;
            try {
              store = KeyStore.getInstance("PKCS12");
              store.load(null, password);
            } catch (GeneralSecurityException e) {
              throw new IOException(e.getClass().getSimpleName());
            }
            write(store);
          });
    } catch (IOException e) {
      throw config("cannot create " + file + ": " + e.getMessage());
    }
  }

  private Object identity() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return List.of(String.valueOf(a.fileKey()), a.lastModifiedTime(), a.size());
    } catch (NoSuchFileException e) {
      throw config("private key store " + file + " does not exist");
    } catch (IOException e) {
      throw config("private key store " + file + " cannot be read");
    }
  }

  private KmsConfigException cannotOpen(Exception e) {
    return config(
        "private key store "
            + file
            + " could not be opened (wrong password or damaged file): "
            + e.getClass().getSimpleName());
  }

  private static KmsConfigException config(String message) {
    return new KmsConfigException(HybridKms.PROVIDER_ID, null, message);
  }
}
