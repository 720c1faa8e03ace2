package dev.pipeseal.kms.pq;

import dev.pipeseal.kms.KmsConfigException;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.storage.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Recipient public keys: a file of JSON lines, or a directory of such files ({@code *.pub}), one
 * line per recipient key version:
 *
 * <pre>
 * {"v":1,"recipient":"data-team","version":"2","kem":"X-Wing","publicKey":"&lt;base64&gt;"}
 * </pre>
 *
 * Blank lines and lines starting with {@code #} are ignored. The highest version of a recipient is
 * current. Public keys are not secret, but they decide who can read what is written: protect the
 * file against tampering (file permissions, configuration management).
 */
final class RecipientFile {
  static final String KEM = "X-Wing";
  private final Path location;
  private volatile Loaded loaded;

  private record Loaded(
      Object identity, Map<String, NavigableMap<Integer, RecipientPublicKey>> keys) {}

  RecipientFile(Path location) {
    this.location = location;
  }

  Path location() {
    return location;
  }

  boolean exists() {
    return Files.exists(location);
  }

  /** Every recipient and its versions, as of now (reloaded when the files changed). */
  Map<String, NavigableMap<Integer, RecipientPublicKey>> keys() {
    Object identity = identity();
    Loaded l = loaded;
    if (l != null && l.identity().equals(identity)) {
      return l.keys();
    }
    synchronized (this) {
      l = loaded;
      if (l == null || !l.identity().equals(identity)) {
        l = new Loaded(identity, read());
        loaded = l;
      }
      return l.keys();
    }
  }

  /** Adds one key version (admin); the recipient's file is rewritten atomically. */
  void add(RecipientPublicKey key) throws IOException {
    Path target = Files.isDirectory(location) ? location.resolve(key.name() + ".pub") : location;
    AtomicFile.withLock(
        target,
        () -> {
          StringBuilder out = new StringBuilder();
          if (Files.exists(target)) {
            out.append(Files.readString(target, StandardCharsets.UTF_8));
            if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
              out.append('\n');
            }
          }
          out.append(line(key)).append('\n');
          AtomicFile.write(target, out.toString().getBytes(StandardCharsets.UTF_8));
        });
    loaded = null;
  }

  /** One JSON line for {@code key}; what {@code export-public} prints. */
  static String line(RecipientPublicKey key) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("v", 1);
    m.put("recipient", key.name());
    m.put("version", String.valueOf(key.version()));
    m.put("kem", KEM);
    m.put("publicKey", Base64.getEncoder().encodeToString(key.key()));
    return FlatJson.write(m);
  }

  private Map<String, NavigableMap<Integer, RecipientPublicKey>> read() {
    Map<String, NavigableMap<Integer, RecipientPublicKey>> keys = new TreeMap<>();
    for (Path file : files()) {
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw config(
            "recipients file " + file + " cannot be read: " + e.getClass().getSimpleName());
      }
      for (int i = 0; i < lines.size(); i++) {
        String text = lines.get(i).strip();
        if (text.isEmpty() || text.startsWith("#")) {
          continue;
        }
        RecipientPublicKey key = parse(text, file, i + 1);
        NavigableMap<Integer, RecipientPublicKey> versions =
            keys.computeIfAbsent(key.name(), n -> new TreeMap<>());
        if (versions.putIfAbsent(key.version(), key) != null) {
          throw config(
              file
                  + " line "
                  + (i + 1)
                  + ": recipient '"
                  + key.name()
                  + "' version "
                  + key.version()
                  + " appears twice");
        }
      }
    }
    Map<String, NavigableMap<Integer, RecipientPublicKey>> frozen = new TreeMap<>();
    keys.forEach((k, v) -> frozen.put(k, Collections.unmodifiableNavigableMap(v)));
    return Collections.unmodifiableMap(frozen);
  }

  private static RecipientPublicKey parse(String text, Path file, int line) {
    String where = file + " line " + line + ": ";
    Map<String, Object> m;
    try {
      m = FlatJson.parse(text);
    } catch (RuntimeException e) {
      throw config(where + "not a flat JSON object");
    }
    if (!Long.valueOf(1).equals(m.get("v"))) {
      throw config(where + "unsupported recipient line version " + m.get("v"));
    }
    if (!KEM.equals(m.get("kem"))) {
      throw config(where + "unsupported KEM '" + m.get("kem") + "'");
    }
    Object name = m.get("recipient");
    if (!(name instanceof String n) || !Recipients.isValidName(n)) {
      throw config(where + "invalid recipient name");
    }
    int version;
    try {
      version = Integer.parseInt(String.valueOf(m.get("version")));
    } catch (NumberFormatException e) {
      version = 0;
    }
    if (version < 1) {
      throw config(where + "invalid version");
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(String.valueOf(m.get("publicKey")));
    } catch (IllegalArgumentException e) {
      throw config(where + "publicKey is not base64");
    }
    if (key.length != XWing.PUBLIC_KEY_BYTES) {
      throw config(where + "publicKey has " + key.length + " bytes, expected 1216");
    }
    return new RecipientPublicKey(n, version, key);
  }

  private List<Path> files() {
    if (!Files.isDirectory(location)) {
      return List.of(location);
    }
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(location, "*.pub")) {
      dir.forEach(out::add);
    } catch (IOException e) {
      throw config("recipients directory " + location + " cannot be listed");
    }
    Collections.sort(out);
    return out;
  }

  private Object identity() {
    List<Object> parts = new ArrayList<>();
    for (Path p : files()) {
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        parts.add(
            List.of(p.toString(), String.valueOf(a.fileKey()), a.lastModifiedTime(), a.size()));
      } catch (NoSuchFileException e) {
        throw config("recipients file " + p + " does not exist");
      } catch (IOException e) {
        throw config("recipients file " + p + " cannot be read: " + e.getClass().getSimpleName());
      }
    }
    return parts;
  }

  private static KmsConfigException config(String message) {
    return new KmsConfigException(HybridKms.PROVIDER_ID, null, message);
  }
}
