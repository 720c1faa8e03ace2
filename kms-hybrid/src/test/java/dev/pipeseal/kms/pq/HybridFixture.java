package dev.pipeseal.kms.pq;

import dev.pipeseal.kms.secret.SecretSource;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Recipient files and key stores in a temporary directory; passwords come from a fake env. */
final class HybridFixture {
  static final SecretSource SECRETS = SecretSource.withEnvironment(n -> "pw-" + n);
  final Path dir;

  HybridFixture(Path dir) {
    this.dir = dir;
  }

  Path recipients() {
    return dir.resolve("recipients.pub");
  }

  URI uri() {
    return URI.create("hybrid://" + recipients());
  }

  /** Admin/reader over {@code store}.p12 (created if missing). */
  HybridKms reader(String store) {
    Map<String, String> c = new HashMap<>();
    c.put(HybridConfig.PRIVATE_KEYS.name(), dir.resolve(store + ".p12").toString());
    c.put(HybridConfig.PASSWORD.name(), passwordReference(store));
    c.put(HybridConfig.CREATE.name(), "true");
    return HybridKms.open(HybridConfig.parse(uri(), c), SECRETS);
  }

  /** A {@code file:} reference to a password file holding {@code pw-STORE}. */
  String passwordReference(String store) {
    try {
      Path file = dir.resolve(store + ".pass");
      java.nio.file.Files.writeString(file, "pw-" + store + "\n");
      return "file:" + file;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Public keys only. */
  HybridKms writer() {
    return HybridKms.open(HybridConfig.parse(uri(), Map.of()), SECRETS);
  }

  Map<String, String> readerProperties(String store) {
    Map<String, String> p = new HashMap<>();
    p.put("pipeseal.kms.uri", uri().toString());
    p.put("pipeseal.kms.provider.private-keys", dir.resolve(store + ".p12").toString());
    p.put("pipeseal.kms.provider.password", passwordReference(store));
    p.put("pipeseal.kms.audit.sink", "none");
    return p;
  }
}
