package dev.pipeseal.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipeseal.jobs.run.JobOptions;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParameterException;

/** The lake jobs' command lines: defaults, and what is refused as a usage error. */
class JobCommandTest {
  @Test
  void defaultsAndValues() {
    JobOptions o = JobCommand.options("rotate", List.of("/lake/", "--kms", "x:y"));
    assertThat(o.command()).isEqualTo("rotate");
    assertThat(o.path()).isEqualTo("/lake/");
    assertThat(o.checkpoint()).isEqualTo("/lake/_pipeseal/checkpoint-rotate");
    assertThat(o.engine()).isEqualTo("spark");
    assertThat(o.batchSize()).isEqualTo(1000);
    assertThat(o.kmsRate()).isZero();
    assertThat(o.sample()).isEqualTo(1);
    assertThat(o.parallelism()).isPositive();
    assertThat(o.dryRun() || o.restart() || o.json() || o.quiet()).isFalse();
    assertThat(o.properties())
        .containsEntry("pipeseal.kms.uri", "x:y")
        .containsEntry("parquet.crypto.factory.class", JobOptions.FACTORY);

    JobOptions v =
        JobCommand.options(
            "verify",
            List.of(
                "--sample=0.25",
                "--engine=local",
                "--parallelism",
                "3",
                "--batch=7",
                "--kms-rate",
                "12.5",
                "--checkpoint=/cp",
                "--report",
                "/r.json",
                "--restart",
                "--quiet",
                "--json",
                "--kms=x:y",
                "/lake"));
    assertThat(v.sample()).isEqualTo(0.25);
    assertThat(v.engine()).isEqualTo("local");
    assertThat(v.parallelism()).isEqualTo(3);
    assertThat(v.batchSize()).isEqualTo(7);
    assertThat(v.kmsRate()).isEqualTo(12.5);
    assertThat(v.checkpoint()).isEqualTo("/cp");
    assertThat(v.report()).isEqualTo("/r.json");
    assertThat(v.restart() && v.quiet() && v.json()).isTrue();

    JobOptions r =
        JobCommand.options(
            "rotate",
            List.of(
                "--registry",
                "/reg",
                "--key",
                "pii",
                "--kms",
                "x:y",
                "--conf",
                "pipeseal.registry.store=local"));
    assertThat(r.path()).isNull();
    assertThat(r.checkpoint()).isNull();
    assertThat(r.keyFilter()).isEqualTo("pii");
    assertThat(r.registryProperties()).containsEntry("registry.store", "local");

    // inventory reads plaintext footers without a KMS.
    assertThat(JobCommand.options("inventory", List.of("/lake")).properties())
        .doesNotContainKey("pipeseal.kms.uri");
  }

  @Test
  void usageErrors() {
    List<List<String>> rotate =
        List.of(
            List.of("--kms", "x:y"), // no PATH and no --registry
            List.of("/lake"), // no KMS
            List.of("/lake", "/other", "--kms", "x:y"),
            List.of("/lake", "--kms", "x:y", "--key", "pii"), // --key needs --registry
            List.of("/lake", "--kms", "x:y", "--engine", "flink"),
            List.of("/lake", "--kms", "x:y", "--parallelism", "0"),
            List.of("/lake", "--kms", "x:y", "--batch", "many"),
            List.of("/lake", "--kms", "x:y", "--kms-rate", "-1"),
            List.of("/lake", "--kms", "x:y", "--sample", "0.5"), // verify only
            List.of("/lake", "--kms", "x:y", "--conf", "novalue"));
    for (List<String> args : rotate) {
      assertThatThrownBy(() -> JobCommand.options("rotate", args))
          .as(args.toString())
          .isInstanceOf(ParameterException.class);
    }
    assertThatThrownBy(() -> JobCommand.options("reencrypt", List.of("/lake", "--kms", "x:y")))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("target policy");
    assertThatThrownBy(
            () -> JobCommand.options("verify", List.of("/lake", "--kms", "x:y", "--sample", "0")))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("--sample");
    assertThatThrownBy(
            () -> JobCommand.options("verify", List.of("/lake", "--kms", "x:y", "--key", "k")))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("--key");
    assertThat(
            JobCommand.options(
                    "reencrypt",
                    List.of("/lake", "--kms", "x:y", "--conf", "pipeseal.parquet.footer.key=pii"))
                .command())
        .isEqualTo("reencrypt");
  }
}
