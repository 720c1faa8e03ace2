package dev.pipeseal.parquet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;
import org.junit.jupiter.api.Test;

/** The table a file belongs to, as writers (staging paths) and readers (final paths) see it. */
class TableBindingTest {
  @Test
  void writerAndReaderPathsAgree() {
    String table = "/lake/db/users";
    assertThat(TableBinding.tableOf(new Path("file:/lake/db/users/part-0.parquet")))
        .isEqualTo(table);
    assertThat(
            TableBinding.tableOf(
                new Path("hdfs://nn:8020/lake/db/users/dt=2026-01-01/h=3/p.parquet")))
        .isEqualTo(table);
    assertThat(
            TableBinding.tableOf(
                new Path(
                    "/lake/db/users/_temporary/0/_temporary/attempt_1_0001_m_000000_0/dt=1/p.parquet")))
        .isEqualTo(table);
    assertThat(TableBinding.tableOf(new Path("/lake/db/users/.spark-staging-abc/dt=1/p.parquet")))
        .isEqualTo(table);
  }

  @Test
  void verifierAcceptsOnlyItsTable() {
    var v = TableBinding.verifier("/lake/a", new Path("/lake/a/p.parquet"));
    v.verify(TableBinding.aadPrefix("/lake/a"));
    assertThatThrownBy(() -> v.verify(TableBinding.aadPrefix("/lake/b")))
        .isInstanceOf(ParquetCryptoRuntimeException.class)
        .hasMessageContaining("/lake/b")
        .hasMessageContaining("/lake/a/p.parquet");
  }
}
