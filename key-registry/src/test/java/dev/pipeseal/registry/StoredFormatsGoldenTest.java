package dev.pipeseal.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.kms.KmsCalls;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.hierarchy.KekConfig;
import dev.pipeseal.kms.hierarchy.KekKms;
import dev.pipeseal.kms.local.LocalKms;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.kms.wrapping.WrappedKeyCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden vectors of every stored key format the bridge writes: a local-store wrapped key, a
 * KEK-layer wrapped key and a registry record file, all made by release 0.1 from the key store in
 * {@code src/test/resources/golden/local-keys.p12} (password {@code golden}, a test-only key).
 *
 * <p>These bytes must never change: a change that cannot read them breaks every lake and topic
 * written before it. New format versions get new vectors next to these.
 */
class StoredFormatsGoldenTest {
  private static final String LOCAL_WRAPPED =
      "01056c6f63616c0006676f6c64656e0001310a4145533235362d47434d003c7c"
          + "3c6f62cf881ef09899b0663c8042679760de96e40f7f81f8b97dc3d4faee3009"
          + "6b9fdf6ef78ec406ced2d4bd1d7f9144c867ff7e4757e906059c4e";
  private static final String LOCAL_DEK =
      "75263f3a857c9dace77b0875aa489cda9b05956e179b0e89c2b2556d7faac0cd";
  private static final String KEK_WRAPPED =
      "01056c6f63616c0006676f6c64656e0001310e4b454b2f4145533235362d4743"
          + "4d009a01005b01056c6f63616c0006676f6c64656e0001310a4145533235362d"
          + "47434d003cbe2d8f9c1543e9e3129f0c3e6175ec7c318dc8cc57e8fe5c4804a0"
          + "aba7f900ac1b0faefa23b6aaee1fb073196b49ff1052be4eeb05ee69e7e37176"
          + "adb8b7b4b15f79d0ca8f4d283854e2f64b07143dc41c7b896ebc43962b3cdf4b"
          + "bda13a451019a4e277494da07b0ca65455b75f77fcd26b46b020373678";
  private static final String KEK_DEK =
      "cd91a2d12e0acf3a364d88f72a6b27ff74691e1eb83e523494d239a1175b7328";
  private static final String REGISTRY_ID = "de4d0bf5b6d14233";

  @TempDir Path dir;

  private LocalKms goldenStore() throws IOException {
    Path store = dir.resolve("local-keys.p12");
    try (InputStream in = getClass().getResourceAsStream("/golden/local-keys.p12")) {
      Files.copy(in, store);
    }
    return LocalKms.open(store, "golden".toCharArray(), false);
  }

  private static WrappedKey wrapped(String hex) {
    return WrappedKeyCodec.fromBinary(HexFormat.of().parseHex(hex));
  }

  private static String hex(DataKey key) {
    try (key) {
      return key.withMaterial(b -> HexFormat.of().formatHex(b));
    }
  }

  @Test
  void localStoreWrappedKeyV1() throws Exception {
    try (LocalKms local = goldenStore()) {
      WrappedKey w = wrapped(LOCAL_WRAPPED);
      assertThat(w.algorithm()).isEqualTo(LocalKms.ALGORITHM);
      assertThat(w.masterKeyVersion()).isEqualTo("1");
      assertThat(hex(KmsCalls.await(local.unwrap(w)))).isEqualTo(LOCAL_DEK);
    }
  }

  @Test
  void kekLayerWrappedKeyV1() throws Exception {
    try (LocalKms local = goldenStore();
        KekKms kek = new KekKms(local, KekConfig.DEFAULTS)) {
      WrappedKey w = wrapped(KEK_WRAPPED);
      assertThat(w.algorithm()).isEqualTo(KekKms.ALGORITHM);
      assertThat(hex(KmsCalls.await(kek.unwrap(w)))).isEqualTo(KEK_DEK);
    }
  }

  @Test
  void registryRecordFileV1() throws Exception {
    Path registryDir = dir.resolve("registry");
    Path record = Path.of("keys", "de", REGISTRY_ID, "1.json");
    Files.createDirectories(registryDir.resolve(record).getParent());
    try (InputStream in = getClass().getResourceAsStream("/golden/registry/" + record)) {
      Files.copy(in, registryDir.resolve(record));
    }
    try (KeyRegistry registry = KeyRegistries.open(registryDir);
        LocalKms local = goldenStore();
        KekKms kek = new KekKms(local, KekConfig.DEFAULTS)) {
      RegistryRecord r = registry.get(KeyId.parse(REGISTRY_ID)).orElseThrow();
      assertThat(r.generation()).isEqualTo(1);
      assertThat(r.wrapped()).isEqualTo(wrapped(KEK_WRAPPED));
      assertThat(hex(KmsCalls.await(kek.unwrap(r.wrapped())))).isEqualTo(KEK_DEK);
    }
  }
}
