package dev.pipeseal.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The functions from SQL alone, as a PySpark user calls them: every type, nulls, empties. */
class SqlFunctionsTest {
  @TempDir static Path dir;
  static SparkSession spark;

  /** One column per supported type; a row of nulls and a row of empty values at the end. */
  static final String ALL_TYPES =
      """
      SELECT id,
        CAST(id AS STRING) AS str, CAST(CAST(id * 7 AS STRING) AS BINARY) AS bin,
        id % 2 = 0 AS bool, CAST(id AS TINYINT) AS tiny, CAST(-id AS SMALLINT) AS small,
        CAST(id * 1000 AS INT) AS i, id * 1000000007 AS big,
        CAST(id / 3 AS FLOAT) AS f, CAST(id AS DOUBLE) / 7 AS d,
        CAST(id / 8 AS DECIMAL(16, 7)) AS dec,
        date_add(DATE'2024-02-28', CAST(id AS INT)) AS dt,
        TIMESTAMP'2024-01-01 10:00:00' + make_interval(0, 0, 0, 0, 0, 0, id) AS ts,
        TIMESTAMP_NTZ'2024-01-01 10:00:00' + make_interval(0, 0, 0, 0, 0, id, 0) AS ntz,
        transform(sequence(1, 768), x -> CAST(x * id / 10 AS FLOAT)) AS vf,
        transform(sequence(1, 16), x -> CAST(x AS DOUBLE) / (id + 1)) AS vd
      FROM range(40)
      UNION ALL SELECT 1000, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL
      UNION ALL SELECT 1001, '', X'', false, CAST(0 AS TINYINT), CAST(0 AS SMALLINT), 0,
        CAST(0 AS BIGINT), CAST(0 AS FLOAT), CAST(0 AS DOUBLE), CAST(0 AS DECIMAL(16, 7)),
        NULL, NULL, NULL, CAST(array() AS ARRAY<FLOAT>), CAST(array() AS ARRAY<DOUBLE>)
      """;

  static final String[][] COLUMNS = {
    {"str", "string"},
    {"bin", "binary"},
    {"bool", "boolean"},
    {"tiny", "tinyint"},
    {"small", "smallint"},
    {"i", "int"},
    {"big", "bigint"},
    {"f", "float"},
    {"d", "double"},
    {"dec", "decimal(16,7)"},
    {"dt", "date"},
    {"ts", "timestamp"},
    {"ntz", "timestamp_ntz"},
    {"vf", "array<float>"},
    {"vd", "array<double>"}
  };

  @BeforeAll
  static void start() throws Exception {
    Map<String, String> conf = TestSpark.localKeyStore(dir, "pii", "emb");
    spark = TestSpark.start(conf);
    spark.sql(ALL_TYPES).createOrReplaceTempView("plain");
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
        .createOrReplaceTempView("people_enc");
    List<Row> rows =
        spark.sql("SELECT pipeseal_decrypt(ssn) AS ssn FROM people_enc").collectAsList();
    assertThat(rows).extracting(r -> r.get(0)).containsExactly("123-45-6789", "", null);
  }

  @Test
  void everyTypeRoundTripsThroughSqlAndAShuffle() {
    StringBuilder enc = new StringBuilder("SELECT id");
    StringBuilder dec = new StringBuilder("SELECT id");
    for (String[] c : COLUMNS) {
      String key = c[1].startsWith("array") ? "emb" : "pii";
      enc.append(", pipeseal_encrypt(").append(c[0]).append(", '").append(key).append("') AS ");
      enc.append(c[0]);
      dec.append(", pipeseal_decrypt(").append(c[0]).append(", '").append(c[1]).append("') AS ");
      dec.append(c[0]);
    }
    Dataset<Row> encrypted = spark.sql(enc + " FROM plain").repartition(3);
    encrypted.createOrReplaceTempView("all_enc");
    for (var f : encrypted.schema().fields()) {
      if (!f.name().equals("id")) {
        assertThat(f.dataType().simpleString()).isEqualTo("binary");
      }
    }
    Dataset<Row> back = spark.sql(dec + " FROM all_enc");
    Dataset<Row> plain = spark.sql("SELECT * FROM plain");
    // Decrypted vectors are array<float> without nulls; the source allows them: same values.
    assertThat(back.schema().simpleString()).isEqualTo(plain.schema().simpleString());
    assertThat(back.count()).isEqualTo(42);
    assertThat(back.exceptAll(plain).count()).isZero();
    assertThat(plain.exceptAll(back).count()).isZero();
  }

  @Test
  void vectorsOf768FloatsRoundTripBitForBit() {
    List<Row> rows =
        spark
            .sql(
                "SELECT vf, pipeseal_decrypt(pipeseal_encrypt(vf, 'emb', 'e'), 'array<float>', 'e')"
                    + " AS back FROM plain WHERE id < 40")
            .collectAsList();
    assertThat(rows).hasSize(40);
    for (Row r : rows) {
      assertThat(r.getList(0)).hasSize(768).isEqualTo(r.getList(1));
    }
  }

  @Test
  void oneTaskSealsUnderOneNoncePrefixWithACounterAndReadsEveryRowBack() {
    spark
        .sql("SELECT id, lpad(CAST(id AS STRING), 32, 'x') AS s FROM range(0, 3000, 1, 2)")
        .createOrReplaceTempView("many");
    List<Row> enc =
        spark
            .sql(
                "SELECT id, s, pipeseal_encrypt(s, 'pii') AS e, spark_partition_id() AS p"
                    + " FROM many")
            .collectAsList();
    java.util.Map<Integer, java.util.Set<String>> prefixes = new java.util.HashMap<>();
    java.util.Set<String> nonces = new java.util.HashSet<>();
    for (Row r : enc) {
      byte[] e = (byte[]) r.get(2);
      assertThat(e).hasSize(12 + 24 + 33 + 16);
      prefixes
          .computeIfAbsent(r.getInt(3), k -> new java.util.HashSet<>())
          .add(java.util.HexFormat.of().formatHex(e, 12, 32));
      nonces.add(java.util.HexFormat.of().formatHex(e, 12, 36));
    }
    // A writer stream per task: one 20-byte prefix each, never shared, no nonce repeated.
    assertThat(prefixes).hasSize(2);
    assertThat(prefixes.values()).allSatisfy(set -> assertThat(set).hasSize(1));
    assertThat(prefixes.get(0)).doesNotContainAnyElementsOf(prefixes.get(1));
    assertThat(nonces).hasSize(3000);

    spark
        .sql("SELECT id, s, pipeseal_encrypt(s, 'pii') AS s_enc FROM many")
        .createOrReplaceTempView("many_enc");
    // Strings decrypt into a fresh array each: every row must keep its own value, on both paths,
    // also around a bad value that the try_ form turns into null.
    for (String codegen : List.of("true", "false")) {
      spark.conf().set("spark.sql.codegen.wholeStage", codegen);
      spark
          .conf()
          .set("spark.sql.codegen.factoryMode", codegen.equals("true") ? "FALLBACK" : "NO_CODEGEN");
      try {
        List<Row> back =
            spark
                .sql(
                    "SELECT id, s, pipeseal_decrypt(s_enc, 'string', 's') AS d,"
                        + " try_pipeseal_decrypt(CASE WHEN id % 100 = 7 THEN"
                        + " concat(s_enc, X'00') ELSE s_enc END, 'string', 's') AS t"
                        + " FROM many_enc")
                .collectAsList();
        assertThat(back).hasSize(3000);
        for (Row r : back) {
          assertThat(r.getString(2)).isEqualTo(r.getString(1));
          assertThat(r.getString(3)).isEqualTo(r.getLong(0) % 100 == 7 ? null : r.getString(1));
        }
      } finally {
        spark.conf().unset("spark.sql.codegen.wholeStage");
        spark.conf().unset("spark.sql.codegen.factoryMode");
      }
    }
  }

  @Test
  void explicitContextOverridesTheColumnName() {
    Row r =
        spark
            .sql(
                "SELECT pipeseal_decrypt(e, 'string', 'lake.users.ssn') FROM (SELECT"
                    + " pipeseal_encrypt('x', 'pii', 'lake.users.ssn') AS e)")
            .first();
    assertThat(r.getString(0)).isEqualTo("x");
  }

  @Test
  void anExpressionNeedsAnExplicitContext() {
    assertThatThrownBy(
            () -> spark.sql("SELECT pipeseal_encrypt(concat(str, 'x'), 'pii') FROM plain"))
        .hasMessageContaining("needs an explicit context");
  }

  @Test
  void masterKeyMustBeALiteralAndTypeArgumentIsChecked() {
    assertThatThrownBy(() -> spark.sql("SELECT pipeseal_encrypt(str, str) FROM plain"))
        .hasMessageContaining("master key name must be a string literal");
    assertThatThrownBy(() -> spark.sql("SELECT pipeseal_decrypt(bin, 'ssn context') FROM plain"))
        .hasMessageContaining("second argument is the result type");
    assertThatThrownBy(
            () -> spark.sql("SELECT pipeseal_encrypt(array(str), 'pii', 'c') FROM plain"))
        .hasMessageContaining("cannot encrypt array<string>");
  }

  @Test
  void planIsCodeGeneratedAndCarriesNoKeyMaterial() {
    Dataset<Row> df = spark.sql("SELECT pipeseal_encrypt(str, 'pii') FROM plain");
    String plan = df.queryExecution().executedPlan().toString();
    assertThat(plan).contains("*(").contains("pipeseal_encrypt");
    df.collectAsList();
  }
}
