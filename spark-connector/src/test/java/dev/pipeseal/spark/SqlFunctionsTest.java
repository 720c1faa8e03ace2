package dev.pipeseal.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The functions from SQL alone, as a PySpark user calls them. */
class SqlFunctionsTest {
  @TempDir static Path dir;
  static SparkSession spark;

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> conf = TestSpark.localKeyStore(dir, "pii", "emb");
    spark = TestSpark.start(conf);
  }

  @AfterAll
  static void stop() {
    TestSpark.stop(spark);
  }

  @Test
  void stringRoundTripInSql() {
    spark
        .sql("SELECT * FROM VALUES ('123-45-6789'), (''), (NULL) AS t(ssn)")
        .createOrReplaceTempView("people");
    spark
        .sql("SELECT pipeseal_encrypt(ssn, 'pii') AS ssn FROM people")
        .createOrReplaceTempView("enc");
    List<Row> rows = spark.sql("SELECT pipeseal_decrypt(ssn) AS ssn FROM enc").collectAsList();
    assertThat(rows).extracting(r -> r.get(0)).containsExactly("123-45-6789", "", null);
  }
}
