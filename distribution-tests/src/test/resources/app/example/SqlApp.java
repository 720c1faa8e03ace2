package example;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A user's Spark application that knows nothing of Pipeseal but its SQL function names: compiled
 * against Spark alone, run by SparkSubmit with Pipeseal only in --jars or --packages. Prints one
 * line of results; exits non-zero when a check fails.
 */
public final class SqlApp {
  public static void main(String[] args) {
    String lake = args[0];
    SparkSession spark = SparkSession.builder().appName("sql-app").getOrCreate();
    spark.sql(
            "SELECT id, concat('user-', id) AS name, concat('u', id % 50, '@example.com') AS email"
                + " FROM range(200)")
        .createOrReplaceTempView("people");
    spark.sql(
            "SELECT id AS order_id, concat('u', id % 80, '@example.com') AS email FROM range(120)")
        .createOrReplaceTempView("orders");

    Row rt =
        spark
            .sql(
                "SELECT count_if(pipeseal_decrypt(name_enc, 'string', 'name') = name),"
                    + " count(*), count(DISTINCT name_enc), count_if(name_enc = CAST(name AS BINARY))"
                    + " FROM (SELECT name, pipeseal_encrypt(name, 'pii') AS name_enc FROM people)")
            .head();

    // Equal emails give equal tokens on both sides, so the join runs on ciphertext alone.
    long joinedOnTokens =
        spark
            .sql(
                "SELECT count(*) FROM"
                    + " (SELECT pipeseal_encrypt_deterministic(email, 'pii') AS email FROM people) p"
                    + " JOIN (SELECT pipeseal_encrypt_deterministic(email, 'pii') AS email"
                    + " FROM orders) o ON p.email = o.email")
            .head()
            .getLong(0);
    long joinedOnPlaintext =
        spark
            .sql("SELECT count(*) FROM people p JOIN orders o ON p.email = o.email")
            .head()
            .getLong(0);

    // Parquet modular encryption: the crypto factory and KMS come from --conf, the column policy
    // from the write options.
    spark
        .sql("SELECT id, name, pipeseal_encrypt_deterministic(email, 'pii') AS email FROM people")
        .write()
        .mode("overwrite")
        .option("pipeseal.parquet.columns.pii", "name")
        .option("pipeseal.parquet.footer.key", "pii")
        .parquet(lake);
    spark.read().parquet(lake).createOrReplaceTempView("lake");
    long pmeBack =
        spark
            .sql("SELECT count_if(name = concat('user-', id)) FROM lake")
            .head()
            .getLong(0);

    String line =
        String.format(
            "SQL-APP roundtrip=%d/%d distinct=%d plaintext=%d join=%d/%d pme=%d",
            rt.getLong(0),
            rt.getLong(1),
            rt.getLong(2),
            rt.getLong(3),
            joinedOnTokens,
            joinedOnPlaintext,
            pmeBack);
    System.out.println(line);
    spark.stop();
    boolean ok =
        rt.getLong(0) == 200
            && rt.getLong(2) == 200
            && rt.getLong(3) == 0
            && joinedOnTokens == joinedOnPlaintext
            && joinedOnPlaintext > 0
            && pmeBack == 200;
    System.exit(ok ? 0 : 1);
  }
}
