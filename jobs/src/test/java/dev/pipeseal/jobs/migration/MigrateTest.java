package dev.pipeseal.jobs.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.jobs.testing.Lakes;
import dev.pipeseal.kms.bridge.KmsBridge;
import dev.pipeseal.kms.testing.MotoServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rotate --to} from the local key store to AWS KMS (moto_server): internal key material is
 * rewritten under the target, and an unknown target provider, a missing target key or a target that
 * does not answer fail with a typed error naming it, before any byte is written.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MigrateTest {
  private static final String AWS = "aws-kms://us-east-1";

  @TempDir static Path dir;
  private MotoServer moto;
  private Map<String, String> local;
  private Map<String, String> aws;

  @BeforeAll
  void setUp() throws IOException {
    Optional<MotoServer> server = MotoServer.startIfInstalled(dir);
    assumeTrue(server.isPresent(), MotoServer.MISSING);
    moto = server.get();
    Files.writeString(dir.resolve("aws.id"), "testing\n");
    Files.writeString(dir.resolve("aws.secret"), "testing\n");
    aws = awsAt(moto.endpoint().toString());
    try (KmsBridge kms = KmsBridge.open(aws)) {
      kms.admin().orElseThrow().createKey("pii");
    }
    local = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(local).createKey("pii");
    Lakes.admin(local).createKey("orphan"); // exists in the local store only
    Lakes.resetCaches();
  }

  @AfterEach
  void clean() {
    Lakes.resetCaches();
  }

  @AfterAll
  void tearDown() {
    if (moto != null) {
      moto.close();
    }
  }

  private Map<String, String> awsAt(String endpoint) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("pipeseal.kms.uri", AWS);
    p.put("pipeseal.kms.provider.endpoint", endpoint);
    p.put("pipeseal.kms.provider.access-key-id", "file:" + dir.resolve("aws.id"));
    p.put("pipeseal.kms.provider.secret-access-key", "file:" + dir.resolve("aws.secret"));
    p.put("pipeseal.kms.audit.sink", "none");
    return p;
  }

  /** The local store as the writer, {@code target} configured as the reader {@code aws}. */
  private static Map<String, String> withReader(
      Map<String, String> writer, Map<String, String> target) {
    Map<String, String> p = new LinkedHashMap<>(writer);
    target.forEach(
        (k, v) -> {
          if (k.startsWith("pipeseal.kms.provider.")) {
            p.put("pipeseal.kms.providers.aws." + k.substring(22), v);
          }
        });
    p.put("pipeseal.kms.providers.aws.uri", target.get("pipeseal.kms.uri"));
    return p;
  }

  private static String[] migrate(Path lake, Map<String, String> props, String... extra) {
    List<String> a = new ArrayList<>(List.of("rotate", lake.toString(), "--engine", "local"));
    props.forEach(
        (k, v) -> {
          a.add("--conf");
          a.add(k + "=" + v);
        });
    a.addAll(List.of(extra));
    return a.toArray(String[]::new);
  }

  @Test
  void internalKeyMaterialIsRewrittenUnderTheTargetAndExternalOnlyRewrapped() throws Exception {
    Path lake = dir.resolve("mixed");
    Path internal = lake.resolve("part-internal.parquet");
    Path external = lake.resolve("part-external.parquet");
    Lakes.write(Lakes.policy(local, "pii"), internal, 20);
    Lakes.write(
        Lakes.policy(local, "pii", "pipeseal.parquet.key-material", "external"), external, 20);
    byte[] externalData = Files.readAllBytes(external);
    byte[] internalData = Files.readAllBytes(internal);
    Lakes.resetCaches();

    Map<String, String> both = withReader(local, aws);
    // Without the table's policy the internal file cannot be rewritten: reported, untouched.
    var noPolicy = Lakes.cli(migrate(lake, both, "--to", AWS));
    assertThat(noPolicy.code()).isEqualTo(ExitCode.PARTIAL);
    assertThat(noPolicy.out())
        .contains("part-internal.parquet: internal key material under [local:pii@1]")
        .contains("pass the table's policy")
        .contains("done=1"); // the external file moved already
    assertThat(Files.readAllBytes(internal)).isEqualTo(internalData);

    Lakes.resetCaches();
    var r =
        Lakes.cli(migrate(lake, both, "--to", AWS, "--conf", "pipeseal.parquet.columns.pii=ssn"));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    // The external file is in the checkpoint of the first run; the internal one is rewritten.
    assertThat(r.out()).contains("done=1").contains("failed=0");
    assertThat(Files.readAllBytes(external)).isEqualTo(externalData);
    assertThat(Files.readAllBytes(internal)).isNotEqualTo(internalData);

    // AWS alone reads both files, every value.
    Map<String, String> awsRead = Lakes.policy(aws, "pii");
    assertThat(Lakes.readAll(awsRead, internal)).isEqualTo(20);
    assertThat(Lakes.readAll(awsRead, external)).isEqualTo(20);
  }

  @Test
  void unknownTargetProviderIsAUsageErrorNamingTheScheme() throws Exception {
    Path lake = dir.resolve("unknown");
    Lakes.write(
        Lakes.policy(local, "pii", "pipeseal.parquet.key-material", "external"),
        lake.resolve("part-0.parquet"),
        5);
    Map<Path, byte[]> before = tree(lake);
    var r = Lakes.cli(migrate(lake, local, "--to", "nosuch://somewhere"));
    assertThat(r.code()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("no KMS provider supports URI scheme 'nosuch'");
    assertTree(lake, before);
  }

  @Test
  void missingTargetKeyFailsEveryFileAndWritesNothing() throws Exception {
    Path lake = dir.resolve("orphan");
    Lakes.write(
        Lakes.policy(local, "orphan", "pipeseal.parquet.key-material", "external"),
        lake.resolve("part-0.parquet"),
        5);
    Lakes.write(Lakes.policy(local, "orphan"), lake.resolve("part-1.parquet"), 5);
    Lakes.resetCaches();
    Map<Path, byte[]> before = tree(lake);
    var r =
        Lakes.cli(
            migrate(
                lake,
                withReader(local, aws),
                "--to",
                AWS,
                "--conf",
                "pipeseal.parquet.columns.orphan=ssn"));
    assertThat(r.code()).isEqualTo(ExitCode.FAILED);
    assertThat(r.out())
        .contains("failed=2")
        .contains("UnknownKeyException")
        .contains("[aws-kms key 'orphan']");
    assertTree(lake, before);
  }

  @Test
  void targetThatDoesNotAnswerFailsEveryFileAndWritesNothing() throws Exception {
    Path lake = dir.resolve("down");
    Lakes.write(
        Lakes.policy(local, "pii", "pipeseal.parquet.key-material", "external"),
        lake.resolve("part-0.parquet"),
        5);
    Lakes.resetCaches();
    Map<Path, byte[]> before = tree(lake);
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Map<String, String> props = withReader(local, awsAt("http://127.0.0.1:" + closedPort));
    props.put("pipeseal.kms.retries", "0");
    var r = Lakes.cli(migrate(lake, props, "--to", AWS));
    assertThat(r.code()).isEqualTo(ExitCode.FAILED);
    assertThat(r.out()).contains("failed=1").contains("KmsUnavailableException");
    assertTree(lake, before);
  }

  /** Data and key material files with their bytes; the job's own checkpoint is left out. */
  private static Map<Path, byte[]> tree(Path root) throws IOException {
    Map<Path, byte[]> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p :
          s.filter(Files::isRegularFile)
              .filter(p -> !root.relativize(p).startsWith("_pipeseal"))
              .toList()) {
        out.put(p, Files.readAllBytes(p));
      }
    }
    return out;
  }

  private static void assertTree(Path root, Map<Path, byte[]> expected) throws IOException {
    Map<Path, byte[]> actual = tree(root);
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    actual.forEach((p, b) -> assertThat(b).as(p.toString()).isEqualTo(expected.get(p)));
  }
}
