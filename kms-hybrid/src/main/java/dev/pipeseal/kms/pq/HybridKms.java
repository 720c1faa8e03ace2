package dev.pipeseal.kms.pq;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.InvalidWrappedKeyException;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsAdmin;
import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.KmsException;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.MasterKeyInfo;
import dev.pipeseal.kms.RecipientAdmin;
import dev.pipeseal.kms.UnknownKeyException;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.storage.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Public-key provider ({@code hybrid:}): DEKs are wrapped to recipient public keys with the X-Wing
 * hybrid KEM (ML-KEM-768 + X25519), so producers configured with public keys only can generate data
 * keys but never unwrap one ({@link NoPrivateKeyException}); readers configured with the recipient
 * private key store can.
 *
 * <p>A master key name is a recipient set ({@code data-team} or {@code data-team+break-glass}); its
 * version is the member key versions ({@code 2} or {@code 2+1}); rotating a recipient makes a new
 * key pair version, and rewrap (where private keys are) moves wrapped keys to current versions.
 *
 * <p>Operations complete synchronously on the caller's thread: all work is local.
 */
public final class HybridKms implements Kms, KmsAdmin, RecipientAdmin {
  /** Provider id recorded in wrapped keys. */
  public static final String PROVIDER_ID = "hybrid";

  /** Wrapping algorithm id recorded in wrapped keys. */
  public static final String ALGORITHM = HybridFormat.ALGORITHM;

  private final RecipientFile recipients;
  private final PrivateKeyStore privateKeys; // null on write-only producers
  private final SecureRandom random;
  private volatile boolean closed;

  private HybridKms(RecipientFile recipients, PrivateKeyStore privateKeys, SecureRandom random) {
    this.recipients = recipients;
    this.privateKeys = privateKeys;
    this.random = random;
  }

  /** Opens the provider; resolves the private key store password through {@code secrets}. */
  public static HybridKms open(HybridConfig config, SecretSource secrets) {
    return open(config, secrets, new SecureRandom());
  }

  /** As {@link #open(HybridConfig, SecretSource)} with a chosen randomness source (tests). */
  static HybridKms open(HybridConfig config, SecretSource secrets, SecureRandom random) {
    RecipientFile file = new RecipientFile(config.recipients());
    PrivateKeyStore store = null;
    try {
      if (config.sealUri() != null) {
        store =
            SealedRecipientStore.open(
                config.privateKeys(),
                KmsProviders.open(config.sealUri(), config.sealConfig()),
                config.sealKey(),
                config.create());
      } else if (!config.writeOnly()) {
        char[] password =
            secrets.resolve(config.password(), PROVIDER_ID, HybridConfig.PASSWORD.name());
        try {
          store = RecipientKeyStore.open(config.privateKeys(), password, config.create());
        } finally {
          Arrays.fill(password, '\0');
        }
      }
      if (!config.writeOnly() && config.create() && !file.exists()) {
        createEmptyRecipients(file);
      }
      file.keys(); // fail fast on a missing or broken recipients file
      return new HybridKms(file, store, random);
    } catch (RuntimeException e) {
      if (store != null) {
        store.close();
      }
      throw e;
    }
  }

  /** True when this instance holds no private keys and so can only wrap. */
  public boolean writeOnly() {
    return privateKeys == null;
  }

  @Override
  public String providerId() {
    return PROVIDER_ID;
  }

  @Override
  public CompletionStage<DataKeyPair> generateDataKey(String masterKeyName) {
    return attempt(
        masterKeyName,
        () -> {
          List<RecipientPublicKey> current = currentKeys(masterKeyName);
          byte[] material = new byte[DataKey.LENGTH_BYTES];
          try {
            random.nextBytes(material);
            WrappedKey wrapped = wrap(masterKeyName, current, material);
            return new DataKeyPair(DataKey.copyOf(material), wrapped);
          } finally {
            DataKey.zero(material);
          }
        });
  }

  @Override
  public CompletionStage<DataKey> unwrap(WrappedKey wrapped) {
    return attempt(
        wrapped.masterKeyName(),
        () -> {
          byte[] dek = unwrapBytes(wrapped);
          try {
            return DataKey.copyOf(dek);
          } finally {
            DataKey.zero(dek);
          }
        });
  }

  @Override
  public CompletionStage<WrappedKey> rewrap(WrappedKey wrapped) {
    String name = wrapped.masterKeyName();
    return attempt(
        name,
        () -> {
          List<RecipientPublicKey> current = currentKeys(name);
          if (versionOf(current).equals(wrapped.masterKeyVersion())) {
            parse(wrapped); // labels and structure still checked
            return wrapped;
          }
          byte[] dek = unwrapBytes(wrapped);
          try {
            return wrap(name, current, dek);
          } finally {
            DataKey.zero(dek);
          }
        });
  }

  @Override
  public CompletionStage<MasterKeyInfo> describe(String masterKeyName) {
    return attempt(masterKeyName, () -> info(masterKeyName));
  }

  // ---- admin: only where the private key store is

  @Override
  public MasterKeyInfo createKey(String masterKeyName) {
    return addVersion(masterKeyName, true);
  }

  @Override
  public MasterKeyInfo rotateKey(String masterKeyName) {
    return addVersion(masterKeyName, false);
  }

  @Override
  public List<MasterKeyInfo> listKeys() {
    List<MasterKeyInfo> out = new ArrayList<>();
    for (String name : recipients.keys().keySet()) {
      out.add(info(name));
    }
    return out;
  }

  /** The current public key of one recipient, for {@code export-public}. */
  @Override
  public Optional<String> exportPublic(String recipient) {
    NavigableMap<Integer, RecipientPublicKey> versions = recipients.keys().get(recipient);
    return versions == null
        ? Optional.empty()
        : Optional.of(RecipientFile.line(versions.lastEntry().getValue()));
  }

  /** Fingerprint of the current public key of {@code recipient}, for listings. */
  @Override
  public Optional<String> fingerprint(String recipient) {
    NavigableMap<Integer, RecipientPublicKey> versions = recipients.keys().get(recipient);
    return versions == null
        ? Optional.empty()
        : Optional.of(versions.lastEntry().getValue().fingerprint());
  }

  @Override
  public void close() {
    closed = true;
    if (privateKeys != null) {
      privateKeys.close();
    }
  }

  // ---- internals

  private MasterKeyInfo addVersion(String name, boolean create) {
    ensureOpen(name);
    if (!Recipients.isValidName(name)) {
      throw new KmsConfigException(
          PROVIDER_ID,
          name,
          "invalid recipient name: use 1-128 of a-z, 0-9, '.', '_', '-' (a set 'a+b' is not"
              + " created, it is named)");
    }
    if (privateKeys == null) {
      throw new NoPrivateKeyException(
          PROVIDER_ID,
          name,
          name,
          "recipient keys are created and rotated where the private key store is; configure '"
              + HybridConfig.PRIVATE_KEYS.name()
              + "'");
    }
    NavigableMap<Integer, RecipientPublicKey> existing = recipients.keys().get(name);
    if (create && existing != null) {
      throw new KmsException(PROVIDER_ID, name, "recipient already exists");
    }
    if (!create && existing == null) {
      throw new UnknownKeyException(PROVIDER_ID, name, "no such recipient");
    }
    int version = existing == null ? 1 : existing.lastKey() + 1;
    // Private first: a private key without its public line is harmless, the reverse would let
    // writers encrypt to a key nobody holds.
    byte[] publicKey = privateKeys.create(name, version, random);
    try {
      recipients.add(new RecipientPublicKey(name, version, publicKey));
    } catch (IOException e) {
      throw new KmsConfigException(
          PROVIDER_ID,
          name,
          "cannot update recipients file "
              + recipients.location()
              + ": "
              + e.getClass().getSimpleName());
    }
    return info(name);
  }

  private MasterKeyInfo info(String name) {
    List<RecipientPublicKey> current = currentKeys(name);
    List<String> versions = new ArrayList<>();
    if (current.size() == 1) {
      for (int v : recipients.keys().get(name).keySet()) {
        versions.add(String.valueOf(v));
      }
    } else {
      versions.add(versionOf(current));
    }
    return new MasterKeyInfo(PROVIDER_ID, name, versionOf(current), versions);
  }

  private List<RecipientPublicKey> currentKeys(String masterKeyName) {
    ensureOpen(masterKeyName);
    List<String> members = Recipients.parseSet(masterKeyName);
    if (members == null) {
      throw new UnknownKeyException(
          PROVIDER_ID,
          masterKeyName,
          "not a recipient set: names of a-z, 0-9, '.', '_', '-' joined by '+', at most "
              + HybridFormat.MAX_RECIPIENTS
              + ", no duplicates");
    }
    Map<String, NavigableMap<Integer, RecipientPublicKey>> all = recipients.keys();
    List<RecipientPublicKey> out = new ArrayList<>(members.size());
    for (String m : members) {
      NavigableMap<Integer, RecipientPublicKey> versions = all.get(m);
      if (versions == null) {
        throw new UnknownKeyException(
            PROVIDER_ID,
            masterKeyName,
            "no public key for recipient '" + m + "' in " + recipients.location());
      }
      out.add(versions.lastEntry().getValue());
    }
    return out;
  }

  private static String versionOf(List<RecipientPublicKey> keys) {
    List<Integer> versions = new ArrayList<>(keys.size());
    for (RecipientPublicKey k : keys) {
      versions.add(k.version());
    }
    return Recipients.setVersion(versions);
  }

  private WrappedKey wrap(String name, List<RecipientPublicKey> keys, byte[] dek) {
    String version = versionOf(keys);
    try {
      byte[] bytes =
          HybridWrapper.wrap(dek, keys, HybridWrapper.labels(PROVIDER_ID, name, version), random);
      return new WrappedKey(PROVIDER_ID, name, version, ALGORITHM, bytes);
    } catch (GeneralSecurityException e) {
      // Only a recipient file entry that is not a valid key gets here.
      throw new KmsConfigException(
          PROVIDER_ID, name, "cannot wrap to the recipients' public keys: " + e.getMessage());
    }
  }

  /** Checks labels and structure; the stanzas must be exactly the named set and versions. */
  private HybridFormat.Parsed parse(WrappedKey wrapped) {
    String name = wrapped.masterKeyName();
    if (!PROVIDER_ID.equals(wrapped.provider())) {
      throw invalid(name, "key was wrapped by provider '" + wrapped.provider() + "', not this one");
    }
    if (!ALGORITHM.equals(wrapped.algorithm())) {
      throw invalid(name, "unsupported wrapping algorithm '" + wrapped.algorithm() + "'");
    }
    HybridFormat.Parsed parsed;
    try {
      parsed = HybridFormat.parse(wrapped.bytes());
    } catch (HybridFormat.MalformedException e) {
      throw invalid(name, e.getMessage());
    }
    List<String> names = new ArrayList<>();
    List<Integer> versions = new ArrayList<>();
    for (HybridFormat.Stanza s : parsed.stanzas()) {
      names.add(s.recipient());
      versions.add(s.version());
    }
    if (!String.join("+", names).equals(name)
        || !Recipients.setVersion(versions).equals(wrapped.masterKeyVersion())) {
      throw invalid(name, "recipient stanzas do not match the key name and version");
    }
    return parsed;
  }

  private byte[] unwrapBytes(WrappedKey wrapped) {
    String name = wrapped.masterKeyName();
    ensureOpen(name);
    HybridFormat.Parsed parsed = parse(wrapped);
    if (privateKeys == null) {
      throw new NoPrivateKeyException(
          PROVIDER_ID,
          name,
          describe(parsed),
          "this provider holds public keys only: a write-only producer cannot unwrap");
    }
    byte[] labels = HybridWrapper.labels(PROVIDER_ID, name, wrapped.masterKeyVersion());
    for (HybridFormat.Stanza s : parsed.stanzas()) {
      XWing.PrivateKeyPair key = privateKeys.get(s.recipient(), s.version());
      if (key == null) {
        continue;
      }
      checkMatchesPublic(name, s, key);
      try {
        return HybridWrapper.unwrap(parsed, s, key, labels);
      } catch (GeneralSecurityException e) {
        // Our own stanza failed: tampered, or not made for this key. Fail closed, do not try
        // others.
        throw invalid(
            name,
            "authentication failed for recipient "
                + s.recipient()
                + "@"
                + s.version()
                + ": wrapped key was tampered with, relabelled, or made for another key pair");
      }
    }
    throw new NoPrivateKeyException(
        PROVIDER_ID, name, describe(parsed), "not in " + privateKeys.location());
  }

  /** A swapped or corrupted private entry must not pass for the recipient's key. */
  private void checkMatchesPublic(String name, HybridFormat.Stanza s, XWing.PrivateKeyPair key) {
    NavigableMap<Integer, RecipientPublicKey> versions = recipients.keys().get(s.recipient());
    RecipientPublicKey published = versions == null ? null : versions.get(s.version());
    if (published != null && !Arrays.equals(published.key(), key.publicKey())) {
      throw new KmsConfigException(
          PROVIDER_ID,
          name,
          "private key of recipient "
              + s.recipient()
              + "@"
              + s.version()
              + " in "
              + privateKeys.location()
              + " does not match its public key in "
              + recipients.location());
    }
  }

  private static String describe(HybridFormat.Parsed parsed) {
    List<String> out = new ArrayList<>();
    for (HybridFormat.Stanza s : parsed.stanzas()) {
      out.add(s.recipient() + "@" + s.version());
    }
    return String.join(", ", out);
  }

  private void ensureOpen(String name) {
    if (closed) {
      throw new KmsException(PROVIDER_ID, name, "hybrid provider is closed");
    }
  }

  private static InvalidWrappedKeyException invalid(String name, String message) {
    return new InvalidWrappedKeyException(PROVIDER_ID, name, message);
  }

  private static void createEmptyRecipients(RecipientFile file) {
    try {
      AtomicFile.withLock(
          file.location(),
          () -> {
            if (!Files.exists(file.location())) {
              AtomicFile.write(
                  file.location(),
                  "# pipeseal hybrid recipients (public keys)\n"
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
          });
    } catch (IOException e) {
      throw new KmsConfigException(
          PROVIDER_ID, null, "cannot create recipients file " + file.location());
    }
  }

  private static <T> CompletionStage<T> attempt(String name, Supplier<T> action) {
    try {
      return CompletableFuture.completedFuture(action.get());
    } catch (KmsException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(
          new KmsException(PROVIDER_ID, name, "unexpected failure: " + e.getClass().getName()));
    }
  }
}
