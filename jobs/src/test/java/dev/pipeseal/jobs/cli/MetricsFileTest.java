package dev.pipeseal.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipeseal.crypto.aead.AuthenticationFailedException;
import dev.pipeseal.jobs.testing.Lakes;
import dev.pipeseal.kms.metrics.DecryptFailures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --metrics-file}: the file a job and {@code keys status} leave, parsed back. */
class MetricsFileTest {
  private static final Pattern LINE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  @TempDir Path dir;

  @AfterEach
  void clean() {
    Lakes.resetCaches();
  }

  /** One sample of the text format. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** Parses the exposition format strictly: every line is a comment or a sample. */
  static List<Sample> parse(Path file) throws Exception {
    List<Sample> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      assertThat(m.matches()).as("not a sample line: " + line).isTrue();
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return out;
  }

  static double value(List<Sample> samples, String name, String... labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name))
        .filter(
            s -> {
              for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                  return false;
                }
              }
              return true;
            })
        .mapToDouble(Sample::value)
        .sum();
  }

  private static List<String> conf(Map<String, String> kms) {
    List<String> a = new ArrayList<>();
    kms.forEach(
        (k, v) -> {
          a.add("--conf");
          a.add(k + "=" + v);
        });
    return a;
  }

  @Test
  void verifyJobAndKeyStatusWriteParseablePrometheusFiles() throws Exception {
    Map<String, String> kms = Lakes.localStore(dir.resolve("keys"));
    Lakes.admin(kms).createKey("pii");
    Path lake = dir.resolve("lake");
    Lakes.write(Lakes.policy(kms, "pii"), lake.resolve("p=1/a.parquet"), 20);
    Lakes.write(Lakes.policy(kms, "pii"), lake.resolve("p=2/b.parquet"), 20);
    Lakes.resetCaches();

    // A value this JVM failed to decrypt earlier (the CLI's counters are the JVM's): the file
    // carries decrypt failures by kind and context next to the job's results.
    DecryptFailures.jvm()
        .record(new AuthenticationFailedException("tag mismatch"), "metrics-file-test.ssn");
    Path jobFile = dir.resolve("metrics/verify.prom");
    Files.createDirectories(jobFile.getParent());
    List<String> verify =
        new ArrayList<>(
            List.of(
                "verify",
                lake.toString(),
                "--engine",
                "local",
                "--quiet",
                "--metrics-file",
                jobFile.toString()));
    verify.addAll(conf(kms));
    var r = Lakes.cli(verify.toArray(String[]::new));
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    List<Sample> job = parse(jobFile);
    assertThat(value(job, "pipeseal_job_files", "command", "verify", "status", "done"))
        .isEqualTo(2);
    assertThat(value(job, "pipeseal_job_files", "command", "verify", "status", "failed")).isZero();
    assertThat(job).anyMatch(s -> s.name().equals("pipeseal_job_exit_code") && s.value() == 0);
    assertThat(value(job, "pipeseal_job_running")).isZero();
    assertThat(value(job, "pipeseal_job_last_success_timestamp_seconds")).isPositive();
    // The job's KMS bridge: keys were unwrapped to read the files.
    assertThat(value(job, "pipeseal_kms_calls_total", "provider", "local", "operation", "unwrap"))
        .isPositive();
    assertThat(
            value(
                job,
                "pipeseal_kms_key_calls_total",
                "provider",
                "local",
                "key",
                "pii",
                "operation",
                "unwrap"))
        .isPositive();
    assertThat(
            value(
                job,
                "pipeseal_decrypt_failures_total",
                "kind",
                "authentication_failed",
                "where",
                "metrics-file-test.ssn"))
        .isGreaterThanOrEqualTo(1);
    assertThat(Files.readString(jobFile))
        .contains("# TYPE pipeseal_decrypt_failures_total counter");
    assertThat(Files.list(jobFile.getParent())).containsExactly(jobFile); // no temporary left

    Path statusFile = dir.resolve("metrics/status.prom");
    List<String> status =
        new ArrayList<>(
            List.of(
                "keys",
                "status",
                "--metrics-file",
                statusFile.toString(),
                "--conf",
                "pipeseal.keys.rotation.period=90d"));
    status.addAll(conf(kms));
    var s = Lakes.cli(status.toArray(String[]::new));
    assertThat(s.code()).as(s.out() + s.err()).isZero();
    List<Sample> keys = parse(statusFile);
    assertThat(value(keys, "pipeseal_key_rotation_state", "key", "pii", "state", "current"))
        .isEqualTo(1);
    assertThat(value(keys, "pipeseal_key_rotation_state", "key", "pii", "state", "overdue"))
        .isZero();
    assertThat(value(keys, "pipeseal_key_rotation_period_seconds", "key", "pii"))
        .isEqualTo(90 * 86400);
    assertThat(keys).anyMatch(x -> x.name().equals("pipeseal_key_age_seconds"));
    assertThat(value(keys, "pipeseal_job_exit_code", "command", "keys-status")).isZero();
  }
}
