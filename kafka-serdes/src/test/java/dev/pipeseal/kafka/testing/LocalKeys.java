package dev.pipeseal.kafka.testing;

import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.FixedKeyEnvelopeWriter;
import dev.pipeseal.kms.bridge.KmsBridge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A local PKCS#12 key store with master keys, and the client properties that open it. */
public final class LocalKeys {
  private final Map<String, String> properties;

  private LocalKeys(Map<String, String> properties) {
    this.properties = Map.copyOf(properties);
  }

  /** Creates a key store in {@code dir} holding {@code masterKeys}. */
  public static LocalKeys create(Path dir, String... masterKeys) {
    try {
      Files.createDirectories(dir);
      Path pass = dir.resolve("password");
      Files.writeString(pass, "changeit-" + dir.getFileName() + "\n");
      Map<String, String> p = new HashMap<>();
      p.put("pipeseal.kms.uri", "local://" + dir.resolve("keys.p12").toAbsolutePath());
      p.put("pipeseal.kms.provider.password", "file:" + pass.toAbsolutePath());
      p.put("pipeseal.kms.provider.create", "true");
      p.put("pipeseal.kms.audit.sink", "none");
      try (KmsBridge kms = KmsBridge.open(p)) {
        for (String k : masterKeys) {
          kms.admin().orElseThrow().createKey(k);
        }
      }
      return new LocalKeys(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The {@code pipeseal.kms.*} properties. */
  public Map<String, String> properties() {
    return properties;
  }

  /** A fresh wrapped DEK for deterministic encryption under {@code masterKey} (base64). */
  public String newDeterministicDek(String masterKey) {
    try (KmsBridge kms = KmsBridge.open(properties)) {
      return FixedKeyEnvelopeWriter.newWrappedKey(EnvelopeKeys.inline(kms), masterKey);
    }
  }
}
