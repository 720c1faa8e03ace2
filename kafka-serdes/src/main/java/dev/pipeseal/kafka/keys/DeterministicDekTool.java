package dev.pipeseal.kafka.keys;

import dev.pipeseal.envelope.EnvelopeKeys;
import dev.pipeseal.envelope.FixedKeyEnvelopeWriter;
import dev.pipeseal.kafka.config.SerdeConfig;
import dev.pipeseal.kms.bridge.KmsBridge;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Creates the fixed DEK of deterministic (key) encryption once, for all producers:
 *
 * <pre>
 * java -cp ... dev.pipeseal.kafka.keys.DeterministicDekTool client.properties orders-key.dek
 * </pre>
 *
 * reads the KMS settings and {@code pipeseal.key.master-key} (or {@code pipeseal.master-key}) from
 * the client properties file and writes the wrapped DEK (base64 of the wrapped-key record v1; safe
 * to store, only the KMS can unwrap it) to a new file, which producers then name with {@code
 * pipeseal.key.deterministic.dek=file:/path/orders-key.dek}. Refuses to overwrite a file: replacing
 * the DEK changes every encrypted key (partitions, compaction).
 */
public final class DeterministicDekTool {
  private DeterministicDekTool() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: DeterministicDekTool CLIENT_PROPERTIES OUT_FILE");
    }
    Properties props = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
      props.load(r);
    }
    Map<String, String> map = new HashMap<>();
    props.stringPropertyNames().forEach(n -> map.put(n, props.getProperty(n)));
    SerdeConfig config = SerdeConfig.fromProperties(map, true);
    config.requireKms();
    String masterKey = config.masterKey();
    if (masterKey == null) {
      throw new IllegalArgumentException("set pipeseal.key.master-key (or pipeseal.master-key)");
    }
    try (KmsBridge kms = KmsBridge.open(config.kmsProperties())) {
      String wrapped = FixedKeyEnvelopeWriter.newWrappedKey(EnvelopeKeys.inline(kms), masterKey);
      Files.writeString(
          Path.of(args[1]),
          wrapped + "\n",
          StandardCharsets.US_ASCII,
          StandardOpenOption.CREATE_NEW);
    }
  }
}
