package dev.pipeseal.jobs.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.jobs.testing.Lakes;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyTest {
  @TempDir Path dir;

  @AfterEach
  void clean() {
    Lakes.resetCaches();
  }

  private List<String> args(Map<String, String> kms, Path lake, String... extra) {
    List<String> a = new ArrayList<>(List.of("verify", lake.toString(), "--engine", "local"));
    kms.forEach(
        (k, v) -> {
          a.add("--conf");
          a.add(k + "=" + v);
        });
    a.addAll(List.of(extra));
    return a;
  }

  @Test
  void provesEveryFileDecryptsAndReportsTamperedOnes() throws Exception {
    Map<String, String> kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    Path lake = dir.resolve("lake");
    Lakes.write(Lakes.policy(kms, "pii"), lake.resolve("p=1/a.parquet"), 50);
    Lakes.write(
        Lakes.policy(kms, "pii", "pipeseal.parquet.key-material", "external"),
        lake.resolve("p=2/b.parquet"),
        50);
    Lakes.write(Map.of(), lake.resolve("p=3/plain.parquet"), 50);
    var ok = Lakes.cli(args(kms, lake).toArray(String[]::new));
    assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
    assertThat(ok.out()).contains("done=3");

    // Flip one byte inside the encrypted footer (its GCM tag must fail).
    Path a = lake.resolve("p=1/a.parquet");
    try (RandomAccessFile f = new RandomAccessFile(a.toFile(), "rw")) {
      long pos = f.length() - 30;
      f.seek(pos);
      int b = f.read();
      f.seek(pos);
      f.write(b ^ 0x55);
    }
    Files.deleteIfExists(lake.resolve("p=1/.a.parquet.crc"));
    Lakes.resetCaches();
    var bad = Lakes.cli(args(kms, lake).toArray(String[]::new));
    assertThat(bad.code()).as(bad.out() + bad.err()).isEqualTo(2);
    assertThat(bad.out()).contains("FAILED file:" + a).contains("done=2");
    assertThat(bad.out()).doesNotContain("ssn-"); // no plaintext values in messages
  }

  @Test
  void wrongKeyStoreFailsEveryEncryptedFile() throws Exception {
    Map<String, String> kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    Path lake = dir.resolve("lake");
    Lakes.write(Lakes.policy(kms, "pii"), lake.resolve("a.parquet"), 10);
    Lakes.resetCaches();
    Map<String, String> other = Lakes.localStore(dir.resolve("other"));
    var r = Lakes.cli(args(other, lake).toArray(String[]::new));
    assertThat(r.code()).isEqualTo(1); // nothing could be verified
    assertThat(r.out()).contains("FAILED");
  }
}
