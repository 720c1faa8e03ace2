package dev.pipeseal.jobs.lake;

import dev.pipeseal.kms.secret.SecretReference;
import dev.pipeseal.kms.secret.SecretSource;
import dev.pipeseal.kms.settings.Property;
import dev.pipeseal.kms.settings.PropertySet;
import dev.pipeseal.kms.settings.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.crypto.DecryptionKeyRetriever;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.crypto.KeyAccessDeniedException;

/**
 * PME files whose key metadata is a plain key id instead of Parquet key-tools JSON: what
 * parquet-java ({@code FileEncryptionProperties.builder(key).withFooterKeyID(id)}) and arrow-cpp
 * write through their low-level APIs with keys the application holds. No KMS knows those keys, so
 * the operator supplies them to the jobs by secret reference ({@link #KEYS}); {@code reencrypt}
 * then migrates the files to KMS-managed keys.
 */
public final class ExplicitKeys {
  /** Key id to key, each key a secret reference whose content is the key in base64 or hex. */
  public static final Property<List<String>> KEYS =
      Property.list(
              "explicit-keys",
              "Keys of PME files written with explicit keys (key metadata is a plain key id, as"
                  + " parquet-java's and arrow-cpp's low-level APIs write): KEY_ID=env:NAME or"
                  + " KEY_ID=file:/path, comma-separated; each secret holds the AES key in base64"
                  + " or hex. Read by reencrypt (to migrate such files to KMS keys) and verify.")
          .withCheck(ExplicitKeys::wellFormed, "each item is KEY_ID=env:NAME or KEY_ID=file:/path");

  /** The jobs' own settings, under {@code pipeseal.jobs.}. */
  public static final PropertySet PROPERTIES = PropertySet.of("jobs", "pipeseal.jobs.", KEYS);

  /** Storage kind {@link KeyUse} and the inventory give these keys. */
  public static final String STORAGE = "explicit";

  private static final String PREFIX = "pipeseal.jobs.";

  private ExplicitKeys() {}

  /**
   * Whether key metadata (as text) is a plain key id rather than key-tools key material. Key
   * material is always a JSON object, so anything not starting with a brace is a key id; a brace
   * that does not parse stays corrupt key material.
   */
  public static boolean isKeyId(String keyMetadata) {
    return keyMetadata != null && !keyMetadata.stripLeading().startsWith("{");
  }

  /** The key a file names by key id, never with key bytes. */
  public static KeyUse use(String reference, String keyId) {
    return new KeyUse(reference, keyId, null, null, STORAGE);
  }

  /** Whether the job settings supply any explicit key. */
  public static boolean configured(Configuration conf) {
    String v = conf.get(PREFIX + KEYS.name());
    return v != null && !v.isBlank();
  }

  /**
   * Decryption properties for {@code file} when it uses explicit keys and keys are configured; else
   * null (the crypto factory of {@code conf} reads it). No AAD prefix check: such files come from
   * other writers and carry no table binding of ours (or one we cannot know).
   */
  public static FileDecryptionProperties decryptionFor(Path file, Configuration conf)
      throws IOException {
    if (!configured(conf)) {
      return null;
    }
    ParquetTail tail = ParquetTail.read(file, conf);
    if (!tail.encrypted() || !isKeyId(tail.footerKeyMaterial())) {
      return null;
    }
    return FileDecryptionProperties.builder()
        .withKeyRetriever(retriever(file, conf))
        .withPlaintextFilesAllowed()
        .build();
  }

  /** A retriever resolving key ids through {@link #KEYS}; refuses ids not configured. */
  static DecryptionKeyRetriever retriever(Path file, Configuration conf) {
    Map<String, SecretReference> refs = references(conf);
    return keyMetadata -> {
      String id = ParquetTail.keyMetadataText(keyMetadata);
      SecretReference ref = refs.get(id);
      if (ref == null) {
        throw new KeyAccessDeniedException(
            "file "
                + file
                + ": explicit key '"
                + id
                + "' is not configured (set "
                + PREFIX
                + KEYS.name()
                + "="
                + id
                + "=env:NAME or file:/path)");
      }
      return resolve(id, ref, file);
    };
  }

  private static Map<String, SecretReference> references(Configuration conf) {
    Map<String, String> raw = new LinkedHashMap<>();
    String v = conf.get(PREFIX + KEYS.name());
    if (v != null) {
      raw.put(KEYS.name(), v);
    }
    List<String> items = Settings.of(raw).withSource("jobs").get(KEYS);
    Map<String, SecretReference> out = new LinkedHashMap<>();
    for (String item : items) {
      int eq = item.lastIndexOf('=');
      out.put(item.substring(0, eq), SecretReference.parse(item.substring(eq + 1)));
    }
    return out;
  }

  private static boolean wellFormed(List<String> items) {
    for (String item : items) {
      int eq = item.lastIndexOf('=');
      if (eq <= 0 || !SecretReference.isReference(item.substring(eq + 1))) {
        return false;
      }
    }
    return true;
  }

  private static byte[] resolve(String id, SecretReference ref, Path file) {
    char[] chars =
        SecretSource.system().resolve(ref.toString(), "jobs", "explicit key '" + id + "'");
    byte[] text = null;
    try {
      text = new String(chars).strip().getBytes(StandardCharsets.US_ASCII);
      byte[] key = decode(new String(text, StandardCharsets.US_ASCII));
      if (key == null || !(key.length == 16 || key.length == 24 || key.length == 32)) {
        if (key != null) {
          Arrays.fill(key, (byte) 0);
        }
        // The secret itself is never repeated: only where it is and what is wrong.
        throw new KeyAccessDeniedException(
            "file "
                + file
                + ": explicit key '"
                + id
                + "' from "
                + ref
                + " is not a 128, 192 or 256-bit AES key in base64 or hex");
      }
      return key;
    } finally {
      Arrays.fill(chars, '\0');
      if (text != null) {
        Arrays.fill(text, (byte) 0);
      }
    }
  }

  private static byte[] decode(String text) {
    if (text.length() % 2 == 0 && text.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
      try {
        return HexFormat.of().parseHex(text);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
