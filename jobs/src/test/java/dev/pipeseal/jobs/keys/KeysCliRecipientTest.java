package dev.pipeseal.jobs.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.jobs.PipesealCli;
import dev.pipeseal.jobs.cli.ExitCode;
import dev.pipeseal.kms.DataKeyPair;
import dev.pipeseal.kms.Kms;
import dev.pipeseal.kms.KmsProviders;
import dev.pipeseal.kms.json.FlatJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pipeseal keys recipient ...} over the hybrid provider: output and exit codes. */
class KeysCliRecipientTest {
  @TempDir Path dir;
  private ByteArrayOutputStream out;
  private ByteArrayOutputStream err;
  private String uri;
  private List<String> readerOptions;

  @BeforeEach
  void setUp() throws Exception {
    Path pass = dir.resolve("pass");
    Files.writeString(pass, "store-password\n");
    uri = "hybrid://" + dir.resolve("recipients.pub");
    readerOptions =
        List.of(
            "--kms",
            uri,
            "--conf",
            "pipeseal.kms.provider.private-keys=" + dir.resolve("recipients.p12"),
            "--conf",
            "pipeseal.kms.provider.password=file:" + pass,
            "--conf=pipeseal.kms.provider.create=true");
  }

  private int run(List<String> options, String... args) {
    out = new ByteArrayOutputStream();
    err = new ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of("keys"));
    all.addAll(List.of(args));
    all.addAll(options);
    return PipesealCli.run(
        all.toArray(String[]::new),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void createRotateListDescribeExport() throws Exception {
    assertThat(run(readerOptions, "recipient", "create", "data-team")).isEqualTo(ExitCode.OK);
    assertThat(out()).isEqualTo("data-team current=1 versions=1\n");
    assertThat(run(readerOptions, "recipient", "create", "break-glass")).isEqualTo(ExitCode.OK);
    assertThat(run(readerOptions, "recipient", "rotate", "data-team")).isEqualTo(ExitCode.OK);
    assertThat(out()).isEqualTo("data-team current=2 versions=1,2\n");

    assertThat(run(readerOptions, "recipient", "list", "--json")).isEqualTo(ExitCode.OK);
    String[] lines = out().split("\n");
    assertThat(lines).hasSize(2);
    Map<String, Object> first = FlatJson.parse(lines[0]);
    assertThat(first.get("name")).isEqualTo("break-glass");
    assertThat((String) first.get("fingerprint")).matches("[0-9a-f]{16}");

    assertThat(run(readerOptions, "describe", "data-team+break-glass")).isEqualTo(ExitCode.OK);
    assertThat(out()).isEqualTo("data-team+break-glass current=2+1 versions=2+1\n");

    // export-public needs no private key: a producer's own recipients file is built from it.
    List<String> writerOptions = List.of("--kms", uri);
    assertThat(run(writerOptions, "recipient", "export-public", "data-team"))
        .isEqualTo(ExitCode.OK);
    String line = out();
    assertThat(line).startsWith("{\"v\":1,\"recipient\":\"data-team\",\"version\":\"2\"");
    assertThat(line).doesNotContain("private");
    Path producerFile = dir.resolve("producer.pub");
    Files.writeString(producerFile, line);
    try (Kms producer = KmsProviders.open("hybrid://" + producerFile, Map.of());
        DataKeyPair pair = producer.generateDataKey("data-team").toCompletableFuture().join()) {
      assertThat(pair.wrapped().masterKeyVersion()).isEqualTo("2");
    }
  }

  @Test
  void failuresAndUsageErrors() {
    List<String> writerOptions = List.of("--kms", uri);
    assertThat(run(readerOptions, "recipient", "create", "data-team")).isEqualTo(ExitCode.OK);
    assertThat(run(readerOptions, "recipient", "create", "data-team")).isEqualTo(ExitCode.FAILED);
    assertThat(err()).contains("recipient already exists");
    assertThat(run(writerOptions, "recipient", "rotate", "data-team")).isEqualTo(ExitCode.FAILED);
    assertThat(err()).contains("no private key for recipient data-team");
    assertThat(run(writerOptions, "recipient", "export-public", "nobody"))
        .isEqualTo(ExitCode.FAILED);
    assertThat(err()).contains("no recipient 'nobody'");
    assertThat(run(readerOptions, "recipient", "rotate", "nobody")).isEqualTo(ExitCode.FAILED);
    assertThat(run(readerOptions, "recipient")).isEqualTo(ExitCode.USAGE);
    assertThat(run(readerOptions, "recipient", "frob", "x")).isEqualTo(ExitCode.USAGE);
    assertThat(run(readerOptions, "recipient", "create")).isEqualTo(ExitCode.USAGE);
    assertThat(run(readerOptions, "recipient", "list", "extra")).isEqualTo(ExitCode.USAGE);
    assertThat(err()).doesNotContain("store-password");
  }

  @Test
  void recipientCommandsNeedTheHybridProvider() throws Exception {
    Path pass = dir.resolve("local-pass");
    Files.writeString(pass, "pw\n");
    List<String> local =
        List.of(
            "--kms",
            "local://" + dir.resolve("keys.p12"),
            "--conf",
            "pipeseal.kms.provider.password=file:" + pass,
            "--conf",
            "pipeseal.kms.provider.create=true");
    assertThat(run(local, "recipient", "list")).isEqualTo(ExitCode.USAGE);
    assertThat(err()).contains("needs the hybrid provider");
  }
}
