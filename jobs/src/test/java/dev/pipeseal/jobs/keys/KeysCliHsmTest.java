package dev.pipeseal.jobs.keys;

import static dev.pipeseal.jobs.keys.KeysOptionsTest.print;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.key.DataKey;
import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.WrappedKey;
import dev.pipeseal.kms.json.FlatJson;
import dev.pipeseal.kms.pkcs11.SoftHsm;
import dev.pipeseal.kms.registry.KeyId;
import dev.pipeseal.kms.registry.KeyRegistry;
import dev.pipeseal.kms.registry.RegistryRecord;
import dev.pipeseal.registry.KeyRegistries;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a real SoftHSM2 token through the PKCS#11 provider. */
class KeysCliHsmTest {
  private static final String URI = "pkcs11:token=pipeseal-cli";

  @TempDir Path dir;
  private SoftHsm.Setup hsm;
  private Path props;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void setUp() throws Exception {
    hsm = SoftHsm.require();
    props = dir.resolve("kms.properties");
    Files.writeString(
        props,
        "pipeseal.kms.uri="
            + URI
            + "\npipeseal.kms.provider.library="
            + hsm.library()
            + "\npipeseal.kms.provider.token=pipeseal-cli\n");
  }

  private int run(String... args) {
    out.reset();
    err.reset();
    List<String> all = new ArrayList<>(List.of("keys", "--config", props.toString()));
    all.add("--conf=pipeseal.kms.provider.pin=file:" + hsm.pinFile());
    all.addAll(List.of(args));
    return PipesealCli.run(all.toArray(String[]::new), print(out), print(err));
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static byte[] material(DataKey k) {
    return k.withMaterial(byte[]::clone);
  }

  @Test
  void managesKeys() {
    assertThat(run("create", "cli-a")).isZero();
    assertThat(stdout()).isEqualTo("cli-a current=1 versions=1\n");
    assertThat(run("create", "cli-a")).isEqualTo(1);
    assertThat(stderr()).contains("already exists").contains("cli-a");
    assertThat(run("rotate", "cli-a", "--json")).isZero();
    Map<String, Object> rotated = FlatJson.parse(stdout().strip());
    assertThat(rotated)
        .containsEntry("command", "rotate")
        .containsEntry("provider", "pkcs11")
        .containsEntry("currentVersion", "2")
        .containsEntry("versions", "1,2");
    assertThat(run("describe", "cli-a")).isZero();
    assertThat(stdout()).contains("cli-a current=2");
    assertThat(run("list")).isZero();
    assertThat(stdout()).contains("cli-a current=2 versions=1,2");
    assertThat(run("describe", "cli-missing")).isEqualTo(1);
    assertThat(stderr()).contains("cli-missing");
    assertThat(run("rotate", "cli-missing")).isEqualTo(1);
  }

  @Test
  void rewrapsStaleRecordsAndDryRunChangesNothing() throws Exception {
    Path registryDir = dir.resolve("registry");
    Map<KeyId, byte[]> deks = new LinkedHashMap<>();
    assertThat(run("create", "cli-r")).isZero();
    assertThat(run("create", "cli-other")).isZero();
    KeyId foreign;
    KeyId otherKey;
    try (Kms kms = KmsProviders.open(URI, hsm.config("pipeseal-cli"));
        KeyRegistry registry = KeyRegistries.open(registryDir)) {
      for (int i = 0; i < 7; i++) {
        try (DataKeyPair pair = kms.generateDataKey("cli-r").toCompletableFuture().join()) {
          deks.put(registry.register(pair.wrapped()), material(pair.plaintext()));
        }
      }
      try (DataKeyPair pair = kms.generateDataKey("cli-other").toCompletableFuture().join()) {
        otherKey = registry.register(pair.wrapped());
      }
      foreign =
          registry.register(new WrappedKey("local", "cli-r", "1", "AES256-GCM", new byte[60]));
    }
    assertThat(run("rotate", "cli-r")).isZero();
    assertThat(run("rotate", "cli-other")).isZero();

    assertThat(run("rewrap", "--registry", registryDir.toString(), "--key", "cli-r", "--dry-run"))
        .isZero();
    assertThat(stdout()).contains("dry run").contains("cli-r: 7 record(s) would be rewrapped");
    try (KeyRegistry registry = KeyRegistries.open(registryDir)) {
      assertThat(registry.list("cli-r", "1").count()).isEqualTo(8); // 7 + the foreign one
    }

    assertThat(
            run(
                "rewrap",
                "--registry",
                registryDir.toString(),
                "--key",
                "cli-r",
                "--batch",
                "3",
                "--json"))
        .isZero();
    Map<String, Object> report = FlatJson.parse(stdout().strip());
    assertThat(report)
        .containsEntry("scanned", 9L)
        .containsEntry("stale", 7L)
        .containsEntry("rewrapped", 7L)
        .containsEntry("failed", 0L)
        .containsEntry("skipped", 2L);

    try (Kms kms = KmsProviders.open(URI, hsm.config("pipeseal-cli"));
        KeyRegistry registry = KeyRegistries.open(registryDir)) {
      for (Map.Entry<KeyId, byte[]> e : deks.entrySet()) {
        RegistryRecord r = registry.read(e.getKey()).orElseThrow();
        assertThat(r.generation()).isEqualTo(2);
        assertThat(r.wrapped().masterKeyVersion()).isEqualTo("2");
        try (DataKey k = kms.unwrap(r.wrapped()).toCompletableFuture().join()) {
          assertThat(material(k)).isEqualTo(e.getValue());
        }
      }
      assertThat(registry.read(foreign).orElseThrow().generation()).isEqualTo(1);
      assertThat(registry.read(otherKey).orElseThrow().wrapped().masterKeyVersion()).isEqualTo("1");
    }

    // A second run has nothing to do.
    assertThat(run("rewrap", "--registry", registryDir.toString(), "--key", "cli-r")).isZero();
    assertThat(stdout()).contains("rewrapped 0, failed 0");

    // One corrupt record among good ones: partly done.
    KeyId broken = deks.keySet().iterator().next();
    Path brokenFile =
        registryDir
            .resolve("keys")
            .resolve(broken.hex().substring(0, 2))
            .resolve(broken.hex())
            .resolve("2.json");
    Files.writeString(brokenFile, "not json");
    assertThat(run("rewrap", "--registry", registryDir.toString())).isEqualTo(2);
    assertThat(stderr()).contains(broken.hex()).contains("corrupt");
    assertThat(stdout()).contains("rewrapped 1, failed 1"); // cli-other's record

    // Compaction drops superseded generations but keeps the corrupt record's older one.
    assertThat(run("compact", "--registry", registryDir.toString())).isEqualTo(2);
    assertThat(stderr()).contains(broken.hex());
    assertThat(brokenFile.resolveSibling("1.json")).exists();
    KeyId good = new ArrayList<>(deks.keySet()).get(1);
    assertThat(
            registryDir
                .resolve("keys")
                .resolve(good.hex().substring(0, 2))
                .resolve(good.hex())
                .resolve("1.json"))
        .doesNotExist();

    // Only failures: failed.
    Path onlyBroken = dir.resolve("only-broken");
    try (KeyRegistry registry = KeyRegistries.open(onlyBroken)) {
      KeyId id =
          registry.register(
              new WrappedKey("pkcs11", "cli-gone", "1", "PKCS11-AES256-GCM", new byte[60]));
      assertThat(id).isNotNull();
    }
    assertThat(run("rewrap", "--registry", onlyBroken.toString())).isEqualTo(1);
    assertThat(stderr()).contains("cli-gone");
  }
}
